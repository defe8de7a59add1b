"""Demo stack: placeholder until the emulator-backed demo lands."""

import pulumi

pulumi.export("message", "polaris-pulumi toolchain works")
