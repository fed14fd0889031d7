//! `glomer test`: a local runner that judges Maelstrom nodes as Maelstrom does.
#![deny(missing_docs)]

pub mod checker;
pub mod history;
