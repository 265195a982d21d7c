//! `chipsim new NAME [--out FILE]`: write a commented starter scenario, a small world
//! that runs as it is (two fabs, a packaging site, a lane, a grid region, a project, a
//! demand curve and a shock left commented out), for the user to edit. It never
//! overwrites a file.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use chipsim::scenario::fields::{is_name, NAME_RULE};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Scenario name: letters, digits, `_` or `-`; runs write to outputs/NAME/.
    #[arg(value_parser = scenario_name)]
    name: String,
    /// File to write (default: NAME.toml in the current folder); never overwritten.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn scenario_name(text: &str) -> Result<String, String> {
    if is_name(text) {
        Ok(text.to_string())
    } else {
        Err(format!("NAME must be {NAME_RULE}"))
    }
}

/// Stands for the scenario's name in [`STARTER`].
const NAME_MARK: &str = "@NAME@";

/// The starter scenario.
const STARTER: &str = r##"# ======================================================================
# chipsim scenario "@NAME@": a starter world to edit.
#
#   chipsim check @NAME@.toml           # parse + validate, print what it resolved to
#   chipsim run @NAME@.toml --reps 20   # -> outputs/@NAME@/summary.csv and friends
#
# Every table and field, with its unit, allowed range and default, is listed in
# docs/scenario-reference.md (or `chipsim schema --markdown`). For completion and
# checking as you type, save `chipsim schema > chipsim.schema.json` and put
#   #:schema ./chipsim.schema.json
# as the first line of this file (Taplo / VS Code "Even Better TOML").
#
# Numbers below are round stand-ins, not calibrated values: cite a source for each
# value you put in their place.
# ======================================================================

name = "@NAME@"
description = "Starter: Taiwan logic and HBM fabs feed packaging; chips fly to US data centres."
start = 2025-01-01
end = 2027-12-31
report_period = "quarter"          # or "month"
world_electricity_twh = 30000      # world electricity use per year, for the share metric
replications = 100                 # default for `chipsim run` (override with --reps)
seed = 1                           # default base seed (override with --seed)

[power]
pue = 1.3                          # facility power / IT power
utilisation = 0.8                  # average draw / nameplate of a live accelerator

[allocator]
policy = "first_come"              # or "priority", "pro_rata"

# --- Fabs: wafers in, good dies (or HBM stacks) out ----------------------------------
# A distribution is a number or a one-key table such as
# { triangular = { min = 75, mode = 100, max = 150 } }; see the reference for families.

[[fabs]]
id = "logic_fab"
region = "taiwan"
product = "logic"                  # named in the packaging bill of materials below
wafer_starts_per_week = 1100
cycle_time_days = { triangular = { min = 75, mode = 100, max = 150 } }
dies_per_wafer = 60
yield = { beta = { mean = 0.65, sd = 0.07 } }

[[fabs]]
id = "hbm_fab"
region = "taiwan"
product = "hbm"
wafer_starts_per_week = 4000
capacity_schedule = [
  { date = 2026-06-30, per_week = 5000 },   # ramps linearly to 5000 by mid-2026
]
cycle_time_days = { uniform = { min = 90, max = 120 } }
dies_per_wafer = 60                # HBM stacks per wafer
yield = { beta = { mean = 0.7, sd = 0.08 } }

# --- Packaging: dies + HBM stacks -> accelerators ------------------------------------

[[packaging]]
id = "cowos"
region = "taiwan"
accelerators_per_week = 20000
bill_of_materials = { logic = 2, hbm = 8 }
cycle_time_days = { triangular = { min = 10, mode = 14, max = 28 } }
yield = 0.98

# --- Shipping ------------------------------------------------------------------------

[[lanes]]
id = "taiwan_to_us_air"
from = "taiwan"
to = "us_west"
mode = "air"                       # or "sea"
departure_every_days = 1
capacity_per_departure = 10000     # accelerators
transit_days = { triangular = { min = 3, mode = 5, max = 9 } }

# --- Grid: connections for data centres ----------------------------------------------

[[grid_regions]]
id = "us_west"
spare_mw = 1500
capacity_added_mw_per_year = 1000
study_days = { uniform = { min = 90, max = 365 } }
transformer_lead_days = { triangular = { min = 180, mode = 365, max = 730 } }

# --- Demand: one named project, and a curve of projects year by year -----------------

[[projects]]
id = "flagship_campus"
region = "us_west"                 # a grid region
it_load_mw = 300
kw_per_accelerator = 1.4           # incl. its share of servers and networking
construction_start = 2025-03-01
construction_days = { triangular = { min = 365, mode = 450, max = 720 } }
planned_go_live = 2026-09-01

[[demand]]
id = "us_west_growth"
region = "us_west"
first_year = 2025
mw_first_year = 1000               # IT load added in 2025
growth_per_year = 0.3              # +30 % a year
project_mw = { triangular = { min = 50, mode = 150, max = 400 } }
kw_per_accelerator = 1.4
construction_days = { triangular = { min = 365, mode = 540, max = 900 } }
planned_construction_days = 540
grid_request_lead_days = 730

# --- Shocks: remove the leading "# " to switch one on --------------------------------

# [[shocks]]
# id = "taiwan_quake"
# kind = "outage"                  # or lane_disruption, export_control, grid_moratorium, ...
# region = "taiwan"                # every fab and packaging site there
# rate_per_year = 0.1
# duration_days = { lognormal = { median = 30, p90 = 120 } }
# capacity_lost = { uniform = { min = 0.3, max = 1.0 } }
"##;

pub fn run(args: NewArgs) -> anyhow::Result<ExitCode> {
    let path = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{}.toml", args.name)));
    let text = STARTER.replace(NAME_MARK, &args.name);
    let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => anyhow::bail!(
            "{} already exists; `chipsim new` never overwrites a file: choose another --out",
            path.display()
        ),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot create {}", path.display()))
        }
    };
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    out!(
        "wrote {}: scenario {:?}. Next: `chipsim check {0}`, then `chipsim run {0}`",
        path.display(),
        args.name
    );
    Ok(ExitCode::SUCCESS)
}
