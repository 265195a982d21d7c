//! Plans at a stated confidence (`plan_percentile`): generated projects start building
//! and ask for their grid connection early enough that each is done by the planned
//! go-live with probability √p, so both are with probability p. With chips and grid in
//! surplus, a P80 plan is on time for 80 % of projects (within the 95 % binomial
//! interval of the projects simulated; 79.3 % [78.5, 80.1] at 200 replications, the rest
//! is the horizon's edge: 1 % are not live by the end) with a mean delay of at most 15
//! days; raising the percentile makes more projects on time and fewer late because of
//! construction or the grid, as a planner expects. Read from `projects.csv` of
//! `chipsim run`, 40 replications at a fixed seed.

use std::fs;
use std::path::Path;

use super::support::chipsim;
use super::sweep::rows;

const REPLICATIONS: f64 = 40.0;

/// A world where chips and the grid are never short: only the drawn construction,
/// study and transformer durations can make a project late.
fn world(plan_percentile: f64) -> String {
    format!(
        r#"name = "plans"
start = 2025-01-01
end = 2028-12-31
world_electricity_twh = 30000
lot_interval_days = 7

[[fabs]]
id = "logic_fab"
region = "taiwan"
product = "logic"
wafer_starts_per_week = 2000
cycle_time_days = {{ triangular = {{ min = 80, mode = 100, max = 130 }} }}
dies_per_wafer = 60
yield = 0.7

[[packaging]]
id = "cowos"
region = "taiwan"
accelerators_per_week = 60000
bill_of_materials = {{ logic = 1 }}
cycle_time_days = 50
yield = 0.95

[[lanes]]
id = "air"
from = "taiwan"
to = "us"
mode = "air"
departure_every_days = 1
capacity_per_departure = 10000000
transit_days = 5

[[grid_regions]]
id = "us"
spare_mw = 1000000
capacity_added_mw_per_year = 1000000
study_days = {{ triangular = {{ min = 90, mode = 180, max = 400 }} }}
transformer_lead_days = {{ triangular = {{ min = 200, mode = 300, max = 600 }} }}

[[demand]]
id = "us_demand"
region = "us"
first_year = 2027
last_year = 2028
mw_first_year = 300
growth_per_year = 0
project_mw = {{ empirical = {{ values = [5, 10, 20] }} }}
kw_per_accelerator = 1
construction_days = {{ triangular = {{ min = 420, mode = 550, max = 760 }} }}
plan_percentile = {plan_percentile}
order_lead_days = 180
"#
    )
}

/// Over the demand curve's rows of `projects.csv`, weighted by projects: the share on
/// time, the mean delay, and the shares late because of construction and of the grid.
struct Outcome {
    /// Projects simulated over all replications.
    projects: f64,
    on_time: f64,
    mean_delay: f64,
    construction: f64,
    grid: f64,
}

fn run(plan_percentile: f64) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("plans.toml"), world(plan_percentile)).expect("write");
    let args = [
        "run",
        "plans.toml",
        "--reps",
        "40",
        "--seed",
        "7",
        "--quiet",
    ];
    let output = chipsim(&args, dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = rows(&Path::new(dir.path()).join("outputs/plans/projects.csv"));
    let (mut weight, mut on_time, mut delay, mut construction, mut grid) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    for row in &table {
        let number = |column: &str| row[column].parse::<f64>().unwrap_or(0.0);
        let projects = number("projects_per_replication");
        weight += projects;
        on_time += projects * number("share_on_time");
        delay += projects * number("delay_mean_days");
        construction += projects * number("share_construction");
        grid += projects * number("share_grid");
    }
    assert!(weight > 20.0, "the curve makes projects: {weight}");
    Outcome {
        projects: weight * REPLICATIONS,
        on_time: on_time / weight,
        mean_delay: delay / weight,
        construction: construction / weight,
        grid: grid / weight,
    }
}

#[test]
fn p80_plans_are_on_time_for_80_percent_when_chips_and_grid_are_in_surplus() {
    let outcome = run(80.0);
    let p = outcome.on_time;
    let half = 1.96 * (p * (1.0 - p) / outcome.projects).sqrt();
    assert!(
        p + half >= 0.8 && outcome.mean_delay <= 15.0,
        "P80 plans: {:.1} % [{:.1}, {:.1}] on time, mean delay {:.1} days",
        100.0 * p,
        100.0 * (p - half),
        100.0 * (p + half),
        outcome.mean_delay
    );
}

#[test]
fn surer_plans_make_fewer_projects_late_for_construction_or_the_grid() {
    let (median, sure) = (run(50.0), run(90.0));
    assert!(
        sure.on_time > median.on_time + 0.2,
        "on time: P50 {:.3}, P90 {:.3}",
        median.on_time,
        sure.on_time
    );
    assert!(
        sure.construction < median.construction && sure.grid < median.grid,
        "late for construction: P50 {:.3}, P90 {:.3}; for the grid: P50 {:.3}, P90 {:.3}",
        median.construction,
        sure.construction,
        median.grid,
        sure.grid
    );
    assert!(sure.mean_delay < median.mean_delay);
}
