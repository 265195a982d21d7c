//! `chipsim check CONFIG`: parse and validate a scenario and print what it resolved
//! to (and its warnings, on standard error), or exit 1 with the file, line, field and
//! what is allowed. A change file (`base = "…"`) is resolved through its bases first;
//! `--diff` lists only what it changes from its base, and `--resolved` prints the
//! resolved scenario as TOML (the text whose hash is the manifest's `config_hash`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use chipsim::model::{Mode, World};
use chipsim::scenario::{diff, overlay};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The scenario file to check.
    config: PathBuf,
    /// List only what a change file changes from its base, one change a line.
    #[arg(long, conflicts_with = "resolved")]
    diff: bool,
    /// Print the resolved scenario as TOML: the text that runs and is hashed into the
    /// manifest (for a file with no base, the file itself).
    #[arg(long)]
    resolved: bool,
}

fn summary(world: &World) -> [String; 9] {
    let operating: Vec<_> = world
        .fabs
        .iter()
        .filter(|f| f.construction.is_none())
        .collect();
    let building: Vec<_> = world
        .fabs
        .iter()
        .filter_map(|f| f.construction.as_ref().map(|c| (f, c)))
        .collect();
    let wafers: f64 = operating
        .iter()
        .map(|f| f.capacity.per_week(0.0))
        .sum::<f64>()
        + 0.0;
    let building_wafers: f64 = building
        .iter()
        .map(|(f, _)| f.capacity.per_week(0.0))
        .sum::<f64>()
        + 0.0;
    let cost: f64 = building
        .iter()
        .map(|(_, c)| c.cost_billion_usd)
        .sum::<f64>()
        + 0.0;
    let packaging: f64 = world
        .packaging
        .iter()
        .map(|s| s.capacity.per_week(0.0))
        .sum::<f64>()
        + 0.0;
    let sea = world.lanes.iter().filter(|l| l.mode == Mode::Sea).count();
    let spare: f64 = world.grids.iter().map(|g| g.spare_mw).sum::<f64>() + 0.0;
    let added: f64 = world
        .grids
        .iter()
        .map(|g| g.capacity_added_mw_per_year)
        .sum::<f64>()
        + 0.0;
    let listed_mw: f64 = world.projects.iter().map(|p| p.it_load_mw).sum::<f64>() + 0.0;
    let installed: f64 = world
        .installed_base
        .iter()
        .map(|b| b.accelerators)
        .sum::<f64>()
        + 0.0;
    let days = world.horizon_days();
    [
        format!("  horizon        {} to {} ({days} days, {} reporting periods)", world.start, world.end, world.periods.len()),
        format!("  fabs           {} operating ({wafers} wafer starts/week at the start), {} under construction ({building_wafers} wafer starts/week, {cost} billion USD)", operating.len(), building.len()),
        format!("  products       {}", world.products.join(", ")),
        format!("  packaging      {} sites ({packaging} accelerators/week at the start)", world.packaging.len()),
        format!("  lanes          {} ({sea} sea, {} air)", world.lanes.len(), world.lanes.len() - sea),
        format!("  grid regions   {} ({spare} MW spare, {added} MW/yr added)", world.grids.len()),
        format!("  projects       {} listed ({listed_mw} MW IT), {} demand curves", world.projects.len(), world.demand.len()),
        format!("  installed base {installed} accelerators"),
        format!("  allocator      {:?}; utilisation {}; lot interval {} days", world.policy, world.utilisation, world.lot_interval_days),
    ]
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let resolved = overlay::resolve(&args.config)?;
    let scenario = chipsim::scenario::from_resolved(&resolved)?;
    super::warn(&scenario);
    if args.resolved {
        for line in scenario.text.lines() {
            out!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.diff {
        let Some(base) = resolved.base() else {
            anyhow::bail!(
                "{}: has no `base`, so --diff has nothing to compare it with: it lists what a \
                 change file (`base = \"<file>.toml\"`) changes from its base",
                scenario.source
            );
        };
        let changes = diff::listing(base.table(), resolved.table());
        let what = if changes.is_empty() {
            "no change"
        } else {
            "changes"
        };
        out!("{}: {what} from its base {}", scenario.source, base.file());
        for line in changes {
            out!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    out!(
        "{}: scenario {:?} is valid",
        scenario.source,
        scenario.world.name
    );
    if let Some(base) = &scenario.base {
        out!("  changes {base}");
    }
    if let Some(description) = &scenario.description {
        for line in description.trim().lines() {
            out!("  {line}");
        }
    }
    for line in summary(&scenario.world) {
        out!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
