"""Several Polaris projects in one stack: `polaris.Provider`, an explicit provider instance, as
every Pulumi provider has one (`opts=pulumi.ResourceOptions(provider=...)`).

Our resources are Python dynamic resources, whose package is `pulumi-python`. A provider
resource of that package is a provider process of its own, configured with the resource's
inputs instead of the stack's `polaris:*` config (`pulumi.dynamic.__main__.get_provider` calls
each provider's `configure` with what the engine's `Configure` sent it); a resource given it is
served by that process (the SDK matches a provider to a resource by the package of its type).
The inputs are stored in the state as the provider's, the API key and token as secrets.

A resource also records which provider instance serves it (`ENDPOINT_KEY`, the provider's URN):
moving it to another one is a replacement (it is another project's object), which the engine
would otherwise apply as no change at all.
"""

from __future__ import annotations

from typing import Any

import pulumi

__all__ = ["Provider"]

PACKAGE = "pulumi-python"  # the package of every dynamic resource's type
ENDPOINT_KEY = "polaris_endpoint"


class Provider(pulumi.ProviderResource):
    """A Polaris endpoint and project: pass it as `opts=pulumi.ResourceOptions(provider=...)`
    to a resource (or in `providers=[...]` to a component) to manage that resource there.
    Arguments as the `polaris:*` config keys; `api_key` and `bearer_token` are always secret."""

    def __init__(
        self,
        resource_name: str,
        *,
        url: pulumi.Input[str] | None = None,
        project_id: pulumi.Input[str] | None = None,
        api_key: pulumi.Input[str] | None = None,
        bearer_token: pulumi.Input[str] | None = None,
        organization: pulumi.Input[str] | None = None,
        region: pulumi.Input[str] | None = None,
        cloud_provider: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        given = {
            "polaris:url": url,
            "polaris:projectId": project_id,
            "polaris:apiKey": _secret(api_key),
            "polaris:bearerToken": _secret(bearer_token),
            "polaris:organization": organization,
            "polaris:region": region,
            "polaris:cloudProvider": cloud_provider,
        }
        props = {k: v for k, v in given.items() if v is not None}
        super().__init__(PACKAGE, resource_name, props, opts)


def _secret(value: pulumi.Input[str] | None) -> pulumi.Input[str] | None:
    return None if value is None else pulumi.Output.secret(value)


def provider_of(opts: pulumi.ResourceOptions | None) -> Provider | None:
    """The explicit Polaris provider a resource's options give it: its own `provider`, or its
    parents' `providers` for our package; None for the stack's default (`polaris:*`)."""
    if opts is None:
        return None
    if isinstance(opts.provider, Provider):
        return opts.provider
    # A parent's providers hold those it inherited too (the SDK merges them as it registers).
    inherited: Any = getattr(opts.parent, "_providers", None) or {}
    found = inherited.get(PACKAGE)
    return found if isinstance(found, Provider) else None


def endpoint_name(opts: pulumi.ResourceOptions | None) -> str:
    """Which endpoint, for the program's own bookkeeping ("" for the default one)."""
    found = provider_of(opts)
    return "" if found is None else found._name
