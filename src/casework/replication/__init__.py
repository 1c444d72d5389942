"""The replication package: the locked environment, the exhibit list, REPLICATION.md,
the RO-Crate and the deposit archive (`casework package`)."""
