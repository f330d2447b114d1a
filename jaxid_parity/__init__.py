"""The parity harness: any candidate of the contract against the legacy loop and MuJoCo C."""
