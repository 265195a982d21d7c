//! `chipsim schema [--markdown]`: print the scenario format, generated from the same
//! field tables the validator uses: a JSON Schema for editors (the committed copy is
//! `docs/chipsim.schema.json`) or the Markdown reference (`docs/scenario-reference.md`).

use std::io::Write as _;
use std::process::ExitCode;

use clap::Args;

use chipsim::scenario::{reference, schema};

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Print the field reference as Markdown instead of the JSON Schema.
    #[arg(long)]
    markdown: bool,
}

pub fn run(args: SchemaArgs) -> anyhow::Result<ExitCode> {
    let text = if args.markdown {
        reference::markdown()
    } else {
        schema::text()
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
