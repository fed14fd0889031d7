//! `echo` (Glomers challenge 1): answer `{"type":"echo","echo":V}` with
//! `{"type":"echo_ok","echo":V}`, V returned exactly as it came (any JSON value, same JSON type).
//!
//! This module is the template every workload that keeps no replicated state follows: a request
//! enum tagged by `type` (the one list of the types it serves), a reply type, the flags, and a
//! [`Workload`] whose `on_message` parses then acts. Replicated workloads follow
//! [`crate::replicated`] instead.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::flags::{FromFlags, NoFlags};
use crate::protocol::{Error, Message};
use crate::request;
use crate::workload::{Context, Workload};

/// The requests `echo` serves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EchoRequest {
    /// Echo `echo` back.
    Echo {
        /// The value to return.
        echo: Value,
    },
}

/// `echo`'s reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EchoReply {
    /// The value, as it came.
    EchoOk {
        /// The value.
        echo: Value,
    },
}

/// The echo workload: stateless.
#[derive(Debug, Clone, Copy, Default)]
pub struct Echo;

impl FromFlags for Echo {
    type Flags = NoFlags;

    fn from_flags(_: NoFlags) -> Self {
        Echo
    }
}

impl Workload for Echo {
    fn on_message(&mut self, ctx: &mut Context, msg: Message) -> Result<(), Error> {
        let EchoRequest::Echo { echo } = request::parse(&msg)?;
        ctx.reply(&msg, EchoReply::EchoOk { echo });
        Ok(())
    }
}
