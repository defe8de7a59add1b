"""Lookups v1 calls: create (recognising what a lost create made), read, list, change, delete,
and a lookup's aliases."""

from __future__ import annotations

from polaris_pulumi._answers import model as into
from polaris_pulumi._answers import segment
from polaris_pulumi._contract import ListResponse
from polaris_pulumi._exceptions import BadRequestError, ConflictError, NotFoundError
from polaris_pulumi._transport import Transport, log
from polaris_pulumi.lookups._model import Lookup, LookupAlias, LookupSpec


class LookupsAPI(Transport):
    def list_lookups(self) -> list[Lookup]:
        """The project's lookups; none where Polaris serves no lookups API (a 404: the feature
        is in beta)."""
        try:
            return self._list("/lookups", Lookup)
        except NotFoundError:
            return []

    def get_lookup(self, name: str) -> Lookup:
        """The lookup and its aliases. The contract answers an unknown lookup with 400 (no
        404 is listed): a 400 or 404 for a lookup not in the list is a `NotFoundError`."""
        try:
            found = self._get_model(f"/lookups/{segment(name)}", Lookup)
        except (BadRequestError, NotFoundError) as exc:
            if any(lookup.name == name for lookup in self.list_lookups()):
                raise
            raise NotFoundError(
                method="GET",
                path=f"/lookups/{name}",
                status_code=404,
                message=f"lookup {name!r} does not exist ({exc.server_message})",
            ) from None
        return found.model_copy(update={"aliases": self.list_lookup_aliases(name)})

    def create_lookup(self, spec: LookupSpec) -> Lookup:
        """Create (201), then set its aliases; a retry meeting 409 takes the lookup its lost
        first attempt made, when it reads the same table."""
        for attempt in self._attempts():
            with attempt:
                try:
                    made = self._send("POST", "/lookups", json=spec.create_body()).into(Lookup)
                except ConflictError:
                    if attempt.retry_state.attempt_number == 1:
                        raise
                    made = self.get_lookup(spec.name)
                    if made.source != spec.source:
                        raise
                    log.info("lookup %s: taking the one a lost create made", spec.name)
        return made.model_copy(update={"aliases": self.set_lookup_aliases(spec)})

    def update_lookup(self, spec: LookupSpec) -> Lookup:
        """Change the source (`POST /lookups/{name}`), then replace the aliases."""
        path = f"/lookups/{segment(spec.name)}"
        changed = self._request("POST", path, json=spec.update_body()).into(Lookup)
        return changed.model_copy(update={"aliases": self.set_lookup_aliases(spec)})

    def delete_lookup(self, name: str) -> None:
        """Delete; a retry that finds it gone counts as done."""
        self._delete(f"/lookups/{segment(name)}")

    def list_lookup_aliases(self, name: str) -> list[LookupAlias]:
        return self._list(f"/lookups/{segment(name)}/aliases", LookupAlias)

    def set_lookup_aliases(self, spec: LookupSpec) -> list[LookupAlias]:
        """Replace the lookup's aliases with the spec's (`PUT .../aliases`, idempotent)."""
        path = f"/lookups/{segment(spec.name)}/aliases"
        answer = self._request("PUT", path, json=spec.aliases_body())
        return [into(v, LookupAlias, answer.what) for v in answer.into(ListResponse).values]
