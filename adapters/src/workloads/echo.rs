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
use crate::protocol::{Body, Error, Message};
use crate::request;
use crate::workload::{Context, Workload};

/// The requests `echo` serves.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
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

/// The reply's body, moving the echoed value in: through [`Context::reply`] the serde type
/// would copy it, and echo's whole cost is that value (the serde encoding is pinned equal by a
/// test).
impl From<EchoReply> for Body {
    fn from(reply: EchoReply) -> Self {
        match reply {
            EchoReply::EchoOk { echo } => Body::new("echo_ok").with("echo", echo),
        }
    }
}

impl Workload for Echo {
    fn on_message(&mut self, ctx: &mut Context, mut msg: Message) -> Result<(), Error> {
        let EchoRequest::Echo { echo } = request::take(&mut msg)?;
        ctx.reply_body(&msg, EchoReply::EchoOk { echo }.into());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_moved_reply_body_is_the_serde_encoding_of_the_reply() {
        for echo in [json!("Please echo 35"), json!(null), json!([1, 1.0, "1", {"a": {}}])] {
            let reply = EchoReply::EchoOk { echo };
            assert_eq!(Body::from_serialize(&reply).unwrap(), Body::from(reply));
        }
    }
}
