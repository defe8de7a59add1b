"""The lookups room: `Lookup`.

`_model` (the shapes and each field's meaning), `_rules` (preview checks), `_api` (client
calls), `_provider` (the lifecycle), `_resource` (what programs write), and `_generated` and
`_generated_bases` (Args and typed surface, from `_model`). Nothing is imported here, so that
the emulator can read the models without loading Pulumi.
"""
