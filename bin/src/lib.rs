//! Shared start-up for the thin `glomer-*` node binaries.
#![deny(missing_docs)]
