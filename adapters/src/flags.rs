//! Node flags: Maelstrom's trailing arguments, read leniently.
//!
//! Maelstrom passes every non-option argument of `maelstrom test` to each node
//! 7.3), so a node's command line may hold things nobody meant for it: challenge 6c's published
//! command turns `–-nemesis partition` (en dash) into two stray words. A node
//! that exits on them fails the whole run, so here a flag the workload does
//! not know, and a bare word, is reported on stderr and ignored; a known flag with a bad value is
//! reported and keeps its default. Only `--help` (or `-h`) stops the node, and only on purpose.
//!
//! A workload describes its flags with clap's derive:
//!
//! ```
//! use glomer_adapters::flags;
//!
//! #[derive(Debug, clap::Parser)]
//! struct Flags {
//!     /// Gossip period in milliseconds.
//!     #[arg(long, default_value_t = 100)]
//!     gossip_interval_ms: u64,
//! }
//!
//! let args: Vec<String> = ["–-nemesis", "partition", "--gossip-interval-ms", "oops", "--colour"]
//!     .map(String::from)
//!     .to_vec();
//! let flags: Flags = flags::parse(&args).unwrap();
//! assert_eq!(flags.gossip_interval_ms, 100);
//! ```

use clap::{ArgAction, Command, Parser};

/// A workload built from its node flags: what a binary and the harness both call.
pub trait FromFlags: Sized {
    /// The workload's flags; every field needs a default (Maelstrom passes none by default).
    type Flags: Parser + std::fmt::Debug;

    /// The workload configured by `flags`.
    fn from_flags(flags: Self::Flags) -> Self;

    /// The workload configured by a node's arguments (without the program name), read as
    /// [`parse_lenient`] does.
    fn from_args(args: &[String]) -> Self {
        Self::from_flags(parse_lenient(args))
    }
}

/// The flags of a workload that has none (`--help` still works).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Parser)]
pub struct NoFlags {}

/// `--help` was given: the text to print before exiting with status 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HelpRequested(pub String);

/// Reads `F` from a node's arguments (without the program name), keeping defaults for anything
/// unknown or invalid; `Err` only when `--help` or `-h` asked for the flag list.
pub fn parse<F: Parser>(args: &[String]) -> Result<F, HelpRequested> {
    let mut command = F::command();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Err(HelpRequested(command.render_long_help().to_string()));
    }
    let program = command.get_name().to_owned();
    // Each flag is tried alone first, so one bad value drops only that flag.
    let mut argv = vec![program.clone()];
    for group in known_groups(&command, args) {
        let alone = std::iter::once(program.clone()).chain(group.iter().cloned());
        match command.clone().try_get_matches_from(alone) {
            Ok(_) => argv.extend(group),
            Err(err) => {
                let reason = err.kind();
                tracing::warn!(flag = %group.join(" "), %reason, "ignoring a bad flag value; keeping the default");
            }
        }
    }
    Ok(F::try_parse_from(argv).unwrap_or_else(|err| {
        // Flags valid alone but not together (a repeated or conflicting flag).
        tracing::warn!(%err, "ignoring conflicting flags; using every default");
        defaults::<F>()
    }))
}

/// Like [`parse`], for drivers that cannot print help (the harness building nodes in-process):
/// `--help` is reported and ignored.
pub fn parse_lenient<F: Parser>(args: &[String]) -> F {
    parse(args).unwrap_or_else(|_| {
        tracing::warn!("ignoring --help: flags are read in-process");
        let without_help: Vec<String> = args.iter().filter(|a| *a != "--help" && *a != "-h").cloned().collect();
        parse(&without_help).unwrap_or_else(|_| defaults::<F>())
    })
}

/// `F` with every default. A flags type whose fields are not all defaulted is a programming
/// error of the workload, caught by its first test.
fn defaults<F: Parser>() -> F {
    match F::try_parse_from([F::command().get_name().to_owned()]) {
        Ok(flags) => flags,
        Err(err) => panic!("every node flag needs a default: {err}"),
    }
}

/// The arguments grouped per known flag (`["--x", "3"]`, `["--x=3"]`, `["--verbose"]`); unknown
/// flags and bare words are reported and left out.
fn known_groups(command: &Command, args: &[String]) -> Vec<Vec<String>> {
    let mut groups = Vec::new();
    let mut rest = args.iter().peekable();
    while let Some(arg) = rest.next() {
        let Some(takes_value) = known_flag(command, arg) else {
            tracing::warn!(argument = %arg, "ignoring an argument this node does not know");
            continue;
        };
        let mut group = vec![arg.clone()];
        if takes_value && !arg.contains('=') {
            match rest.next_if(|next| !next.starts_with("--")) {
                Some(value) => group.push(value.clone()),
                None => {
                    tracing::warn!(flag = %arg, "ignoring a flag without its value; keeping the default");
                    continue;
                }
            }
        }
        groups.push(group);
    }
    groups
}

/// For a flag the command knows (`--name`, `--name=value`, `-n`): whether it takes a value.
fn known_flag(command: &Command, arg: &str) -> Option<bool> {
    let argument = if let Some(long) = arg.strip_prefix("--") {
        let name = long.split_once('=').map_or(long, |(name, _)| name);
        command
            .get_arguments()
            .find(|a| a.get_long() == Some(name) || a.get_all_aliases().is_some_and(|v| v.contains(&name)))
    } else {
        let mut chars = arg.strip_prefix('-')?.chars();
        let (short, None) = (chars.next()?, chars.next()) else { return None };
        command.get_arguments().find(|a| a.get_short() == Some(short))
    }?;
    Some(matches!(argument.get_action(), ArgAction::Set | ArgAction::Append))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Parser, PartialEq)]
    #[command(name = "glomer-test")]
    struct Flags {
        /// A number.
        #[arg(long, default_value_t = 7)]
        interval_ms: u64,
        /// A switch.
        #[arg(long)]
        verbose: bool,
        /// A short one.
        #[arg(short = 'k', long, default_value = "total")]
        topology: String,
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn known_flags_are_read_in_both_spellings() {
        let f: Flags = parse(&args(&["--interval-ms", "3", "--verbose", "--topology=ring"])).unwrap();
        assert_eq!(f, Flags { interval_ms: 3, verbose: true, topology: "ring".into() });
        let f: Flags = parse(&args(&["-k", "line", "--interval-ms=9"])).unwrap();
        assert_eq!(f, Flags { interval_ms: 9, verbose: false, topology: "line".into() });
    }

    #[test]
    fn unknown_flags_and_bare_words_are_ignored() {
        let f: Flags =
            parse(&args(&["–-nemesis", "partition", "500", "--colour", "--interval-ms", "4", "-z"])).unwrap();
        assert_eq!(f, Flags { interval_ms: 4, verbose: false, topology: "total".into() });
    }

    #[test]
    fn a_bad_value_keeps_the_default_and_the_rest_still_applies() {
        let f: Flags = parse(&args(&["--interval-ms", "soon", "--verbose", "--topology"])).unwrap();
        assert_eq!(f, Flags { interval_ms: 7, verbose: true, topology: "total".into() });
    }

    #[test]
    fn help_returns_the_documented_flags() {
        let help = parse::<Flags>(&args(&["x", "--help"])).unwrap_err();
        assert!(help.0.contains("--interval-ms") && help.0.contains("A switch"), "{help}");
        assert!(parse_lenient::<Flags>(&args(&["--help", "--verbose"])).verbose);
    }

    #[test]
    fn no_arguments_gives_defaults() {
        assert_eq!(parse::<Flags>(&[]).unwrap(), Flags { interval_ms: 7, verbose: false, topology: "total".into() });
    }
}
