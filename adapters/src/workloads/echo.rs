//! `echo` (spec section 4.1): answer `{"type":"echo","echo":V}` with `{"type":"echo_ok","echo":V}`,
//! V returned exactly as it came (any JSON value, same JSON type).
//!
//! This module is the template every workload follows: a request enum tagged by `type`, its
//! [`Request`] list of types, the flags, and a [`Workload`] whose `on_message` parses then acts.

use serde::Deserialize;
use serde_json::Value;

use crate::flags::{FromFlags, NoFlags};
use crate::protocol::{Body, Error, Message};
use crate::request::{self, Request};
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

impl Request for EchoRequest {
    const KINDS: &'static [&'static str] = &["echo"];
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
        ctx.reply(&msg, Body::new("echo_ok").with("echo", echo));
        Ok(())
    }
}
