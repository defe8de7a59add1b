"""How a resource's constructor becomes props: `(args, opts)` or `(opts, **keywords)`, as in
Pulumi's generated SDKs, with nothing dropped and a misspelt keyword an error."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from typing import TYPE_CHECKING, Any, Self

import pulumi
from pulumi.dynamic import Resource, ResourceProvider
from pulumi.dynamic.dynamic import PROVIDER_KEY, serialize_provider

from polaris_pulumi._endpoints import ENDPOINT_KEY, provider_of


class PolarisResource(Resource):
    """What every resource of the package has beside its generated surface."""

    if TYPE_CHECKING:  # each resource's own, generated constructor

        def __init__(self, resource_name: str, *args: Any, **kwargs: Any) -> None: ...

    @classmethod
    def get(
        cls, resource_name: str, id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
    ) -> Self:
        """Read an existing object by its id (a name, or a job's id), as it is: not managed
        (see `adopt_existing` for that)."""
        found = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=id))
        return cls(resource_name, opts=found)


def arguments(
    kind: str, args_type: type[Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], pulumi.ResourceOptions | None]:
    """A resource's props and options from `(args, opts)` or `(opts, **keywords)`, as in
    Pulumi's generated SDKs: an Args object or keywords, never both (nothing is dropped)."""
    fields = [f.name for f in dataclasses.fields(args_type)]
    positional = list(args)
    given = kwargs.pop("args", None)
    if positional and given is None and isinstance(positional[0], args_type | None):
        given = positional.pop(0)
    opts = kwargs.pop("opts", None)
    if positional and opts is None:
        opts = positional.pop(0)
    if positional or not isinstance(opts, pulumi.ResourceOptions | None):
        raise TypeError(
            f"{kind}(resource_name, args, opts) or {kind}(resource_name, opts, **keywords): "
            f"got {len(args)} positional arguments of types "
            f"{', '.join(type(a).__name__ for a in args)}"
        )
    unknown = [k for k in kwargs if k not in fields]
    if unknown:
        hints = [
            f"{k!r}" + "".join(f" (did you mean {m!r}?)" for m in get_close_matches(k, fields, 1))
            for k in unknown
        ]
        raise TypeError(f"{kind} got unexpected keyword arguments: {', '.join(hints)}")
    keywords = {k: v for k, v in kwargs.items() if v is not None}
    if given is not None:
        if not isinstance(given, args_type):
            raise TypeError(
                f"{kind}: args must be a {args_type.__name__}, not {type(given).__name__}"
            )
        if keywords:
            raise TypeError(
                f"{kind}: give either a {args_type.__name__} or keyword arguments, not both "
                f"(keywords given with it: {', '.join(sorted(keywords))}); put them into the "
                f"{args_type.__name__}"
            )
        return to_props(given), opts
    return to_props(keywords), opts


def with_outputs(outputs: Sequence[str], values: dict[str, Any]) -> dict[str, Any]:
    """Props naming every output: an output is visible as an attribute only if its key is
    among the props (pulumi/pulumi#6678)."""
    return {key: None for key in outputs} | values


def to_props(value: Any) -> Any:
    """Args instances and nested dicts to plain dicts, leaving Outputs untouched."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_props(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, Mapping):
        return {k: to_props(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_props(v) for v in value]
    return value


def register(
    resource: Resource,
    provider: ResourceProvider,
    resource_name: str,
    props: dict[str, Any],
    opts: pulumi.ResourceOptions | None,
) -> None:
    """Register `resource` as `pulumi.dynamic.Resource.__init__` does, one `__init__` frame
    shallower.

    The SDK takes a resource's source position from the caller of the third `__init__` on the
    stack (Resource, CustomResource, the concrete class). Through `dynamic.Resource.__init__`
    that caller is our constructor, so the engine stored our generated file's line as every
    resource's `sourcePosition`, and one frame more in its `stackTrace`. Registered from here,
    the position is the program's own line. A provider's pickle is a secret unless the
    provider says it holds nothing (`serialize_as_secret_always = False`, as ours do).
    """
    if PROVIDER_KEY in props:
        raise ValueError(f"a dynamic resource's props must not hold {PROVIDER_KEY!r}")
    kind = f"pulumi-python:{type(resource)._resource_type_name}"
    pickled: pulumi.Input[str] = serialize_provider(provider)
    if getattr(provider, "serialize_as_secret_always", True):
        pickled = pulumi.Output.secret(pickled)
    props = props | {PROVIDER_KEY: pickled}
    if (endpoint := provider_of(opts)) is not None:
        props[ENDPOINT_KEY] = endpoint.urn  # another provider instance: another object
    pulumi.CustomResource.__init__(resource, kind, resource_name, props, opts)
