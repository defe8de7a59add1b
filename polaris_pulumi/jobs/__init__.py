"""The jobs room: `StreamingJob`, and `StreamingJobStart`, its wait.

`_model` (the shapes and each field's meaning), `_formats` and `_rules` (preview checks),
`_api` (client calls and waits), `_provider` and `_start` (the lifecycles), `_resource` (what
programs write) and `_generated` (Args and typed surface, from `_model`). Nothing is imported
here, so that the emulator can read the models without loading Pulumi.
"""
