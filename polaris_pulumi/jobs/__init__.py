"""The jobs room: `StreamingJob`, and `StreamingJobsStarted`, the program's one wait.

`_model` (the shapes and each field's meaning), `_formats` and `_rules` (preview checks),
`_api` (client calls and waits), `_provider` and `_started` (the lifecycles), `_legacy` (what
earlier versions left in stacks), `_resource` (what programs write), and `_generated` and
`_generated_bases` (Args and typed surface, from `_model`). Nothing is imported
here, so that the emulator can read the models without loading Pulumi.
"""
