//! The `chipsim` command: parse the command line, run the subcommand, print errors as
//! `Error: …` and exit 1 (bad scenario or failed run) or 2 (bad usage).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
