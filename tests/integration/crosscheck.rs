//! The baseline (`configs/baseline.toml`) against published projections, as tabled in
//! docs/validation.md ("Cross-checks"). One test per row pins today's verdict: where
//! the mean of [`REPLICATIONS`] replications lies against the published range (inside,
//! above or below it). A change that moves a verdict must update that table and say
//! which input drives the new one; nothing here is a target the baseline was tuned to.
//! The published figures and their docs/sources.md keys are in each test's comment.
//!
//! Two more tests check what the baseline is built on: 2025 is supply-bound as reported
//! (every quarter ends with orders waiting, and packaging, the binding stage, runs at
//! 90 % of its capacity or more), and `projects.csv` answers for every announced campus.

use std::path::Path;
use std::sync::OnceLock;

use chipsim::model::World;
use chipsim::replication::{OutputLayout, ReplicationResult};
use chipsim::scenario;
use chipsim::stats::quantile_sorted;

use crate::dynamics::run;
use crate::support::chipsim;

const CONFIG: &str = "configs/baseline.toml";
/// Replications per verdict: the verdicts sit well clear of the range ends, so 20 are
/// enough (the baseline takes about a second per replication in a debug build).
const REPLICATIONS: u64 = 20;
/// H100-equivalents per B200-equivalent, the baseline's unit (src:epoch-h100e-conversion).
const H100E_PER_B200E: f64 = 2.53;
/// The baseline's US demand regions.
const US: [&str; 3] = ["us_east", "us_south", "us_west"];

/// The baseline's replications, simulated once for every test of this file.
struct Baseline {
    world: World,
    layout: OutputLayout,
    results: Vec<ReplicationResult>,
}

impl Baseline {
    fn get() -> &'static Baseline {
        static BASELINE: OnceLock<Baseline> = OnceLock::new();
        BASELINE.get_or_init(|| {
            let world = scenario::load(Path::new(CONFIG))
                .unwrap_or_else(|e| panic!("{e}"))
                .world;
            let (layout, results) = run(world.clone(), REPLICATIONS);
            Baseline {
                world,
                layout,
                results,
            }
        })
    }

    /// Scalar metric `name`, one value per replication.
    fn scalar(&self, name: &str) -> Vec<f64> {
        let index = (self.layout.metrics.iter())
            .position(|m| m.name == name)
            .unwrap_or_else(|| panic!("no metric {name}"));
        self.results.iter().map(|r| r.metrics[index]).collect()
    }

    /// Series `name` of `scope` in the periods starting in `year`, summed, one value
    /// per replication.
    fn year_total(&self, scope: &str, name: &str, year: i32) -> Vec<f64> {
        let periods: Vec<usize> = self.periods_of(year);
        self.results
            .iter()
            .map(|r| periods.iter().map(|&p| self.value(r, scope, name, p)).sum())
            .collect()
    }

    /// Value of series `name` of `scope` in `period` of one replication.
    fn value(&self, result: &ReplicationResult, scope: &str, name: &str, period: usize) -> f64 {
        let index = (self.layout.series.iter())
            .position(|s| s.scope == scope && s.metric.name == name)
            .unwrap_or_else(|| panic!("no series {name} of scope {scope}"));
        result.series[period * self.layout.series.len() + index]
    }

    /// Mean over replications of series `name` of `scope` in `period`.
    fn mean_value(&self, scope: &str, name: &str, period: usize) -> f64 {
        let values = self
            .results
            .iter()
            .map(|r| self.value(r, scope, name, period));
        values.sum::<f64>() / self.results.len() as f64
    }

    /// The reporting periods (quarters) starting in `year`.
    fn periods_of(&self, year: i32) -> Vec<usize> {
        use chrono::Datelike;
        (0..self.world.periods.len())
            .filter(|&p| self.world.periods[p].start.year() == year)
            .collect()
    }
}

/// Where a simulated quantity falls against a published range.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Below,
    Inside,
    Above,
}

/// The verdict on the mean of `values` against `[low, high]`, with the mean and the
/// 95 % interval of the replications in the failure message.
fn verdict(values: &[f64], (low, high): (f64, f64)) -> (Verdict, String) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let detail = format!(
        "mean {mean:.3}, 95 % of replications in [{:.3}, {:.3}], published [{low}, {high}]",
        quantile_sorted(&sorted, 0.025),
        quantile_sorted(&sorted, 0.975),
    );
    let verdict = if mean < low {
        Verdict::Below
    } else if mean > high {
        Verdict::Above
    } else {
        Verdict::Inside
    };
    (verdict, detail)
}

/// Asserts today's verdict; a change must update docs/validation.md, Cross-checks.
fn assert_verdict(row: &str, values: &[f64], range: (f64, f64), expected: Verdict) {
    let (found, detail) = verdict(values, range);
    assert_eq!(
        found, expected,
        "{row}: {detail}; the verdict moved: update docs/validation.md (Cross-checks) and say \
         which input drives it"
    );
}

/// Accelerators produced 2025–2030, in millions of H100e. Epoch AI (2024): ~100 M
/// H100-equivalents producible by 2030, range ~20–400 M (src:epoch-scaling-2030).
#[test]
fn cumulative_production_2025_2030_is_inside_epochs_range() {
    let built = Baseline::get().scalar("accelerators_built");
    let h100e: Vec<f64> = built.iter().map(|b| b * H100E_PER_B200E / 1e6).collect();
    assert_verdict("cumulative H100e", &h100e, (20.0, 400.0), Verdict::Inside);
}

/// AI electricity in 2030, TWh. IEA Energy and AI (2025), base case: all data centres
/// 945 TWh; AI-accelerated servers ~40–50 % of it by 2030 => 378–473 TWh
/// (src:iea-energy-ai-2025; the share is that entry's stand-in). chipsim counts the
/// live accelerators only, so it should sit below IEA's total; it sits above its AI
/// share, driven by the 30 %/yr demand growth (McKinsey's 2030 level) that the supply
/// and the grid can both deliver.
#[test]
fn ai_electricity_in_2030_is_above_the_iea_outlook() {
    let twh = Baseline::get().scalar("energy_twh_2030");
    assert_verdict("AI TWh 2030", &twh, (378.0, 473.0), Verdict::Above);
    assert_verdict(
        "AI TWh 2030 vs all data centres",
        &twh,
        (0.0, 945.0),
        Verdict::Inside,
    );
}

/// US data-centre electricity in 2028, TWh. LBNL (2024): 325–580 TWh for all US data
/// centres (src:lbnl-2024-us-dc). chipsim's AI accelerators in the three US regions.
#[test]
fn us_electricity_in_2028_is_inside_lbnls_range() {
    let baseline = Baseline::get();
    let mut twh = vec![0.0; REPLICATIONS as usize];
    for region in US {
        let name = format!("energy_twh_2028.{region}");
        for (total, value) in twh.iter_mut().zip(baseline.scalar(&name)) {
            *total += value;
        }
    }
    assert_verdict("US TWh 2028", &twh, (325.0, 580.0), Verdict::Inside);
}

/// AI IT capacity live at the end of 2030, GW. EPRI and Epoch AI (2025): >100 GW of AI
/// capacity worldwide is plausible, US AI power 30–60 GW (src:epri-epoch-power-2030);
/// McKinsey's ~70 % AI share of 171–219 GW (src:mckinsey-dc-capacity-2030) caps the
/// world range at 153 GW. McKinsey set the baseline's demand growth, so only the EPRI
/// figures are independent of it.
#[test]
fn ai_capacity_in_2030_is_inside_the_world_range_and_above_the_us_one() {
    let baseline = Baseline::get();
    let world: Vec<f64> = (baseline.scalar("mw_live_end").iter())
        .map(|mw| mw / 1e3)
        .collect();
    assert_verdict("world AI GW 2030", &world, (100.0, 153.0), Verdict::Inside);
    let last = baseline.world.periods.len() - 1;
    let us: Vec<f64> = (baseline.results.iter())
        .map(|r| {
            (US.iter())
                .map(|region| baseline.value(r, &format!("region:{region}"), "mw_live", last))
                .sum::<f64>()
                / 1e3
        })
        .collect();
    assert_verdict("US AI GW 2030", &us, (30.0, 60.0), Verdict::Above);
}

/// Accelerators made in 2025, millions of B200e. Epoch's chip-sales counts summed over
/// NVIDIA, TPU, Trainium and AMD: ~5.2 M B200e, range 4–6.5 M
/// (src:accelerator-shipments-total).
#[test]
fn shipments_in_2025_are_inside_the_analyst_counts() {
    let built = Baseline::get().year_total("world", "accelerators_built", 2025);
    let millions: Vec<f64> = built.iter().map(|b| b / 1e6).collect();
    assert_verdict("B200e shipped 2025", &millions, (4.0, 6.5), Verdict::Inside);
}

/// AI accelerators installed by the end of 2025, millions of H100e. Epoch AI (Jan 2026):
/// more than 15 M H100e (src:installed-base-end-2025); its chip-sales data summed over
/// 2022–2025 give ~19.5 M (src:installed-base-start-2025, src:accelerator-shipments-total).
/// chipsim: the installed base at the start plus the 2025 deliveries (Epoch does not
/// net out retirements either; none retire in 2025).
#[test]
fn installed_base_at_end_2025_is_inside_epochs_count() {
    let baseline = Baseline::get();
    let start: f64 = (baseline.world.installed_base.iter())
        .map(|b| b.accelerators)
        .sum();
    let delivered = baseline.year_total("world", "chips_delivered", 2025);
    let h100e: Vec<f64> = (delivered.iter())
        .map(|d| (start + d) * H100E_PER_B200E / 1e6)
        .collect();
    assert_verdict(
        "installed H100e end-2025",
        &h100e,
        (15.0, 20.0),
        Verdict::Inside,
    );
}

/// Good accelerators (or wafers) a stage of producers could finish in `period`: each
/// producer's capacity over the period, shifted back by its mean cycle time (output in
/// a quarter was started a cycle earlier), times its mean yield.
fn stage_capacity(
    world: &World,
    producers: &[(f64, f64, &chipsim::model::CapacitySchedule)],
    period: usize,
) -> f64 {
    let span = &world.periods[period];
    let (first, last) = (world.day_of(span.start), world.day_of(span.end));
    let mut total = 0.0;
    for &(cycle, yield_mean, capacity) in producers {
        let mut day = first;
        while day <= last {
            total += capacity.per_week(day - cycle) / 7.0 * yield_mean;
            day += 1.0;
        }
    }
    total
}

/// 2025 is supply-bound as reported (sold out: src:cowos-supply-demand-gap,
/// src:hbm-sold-out-2024-2025): in every quarter orders are waiting at its end and
/// packaging, the binding stage, finishes at least 90 % of what its capacity allows
/// (output against capacity a cycle earlier, times yield), more of its capacity than the
/// HBM and logic fabs start.
#[test]
fn the_2025_quarters_are_supply_bound_by_packaging() {
    let baseline = Baseline::get();
    let world = &baseline.world;
    let sites: Vec<_> = (world.packaging.iter())
        .map(|s| {
            (
                s.cycle_time_days.mean(),
                s.yield_fraction.mean(),
                &s.capacity,
            )
        })
        .collect();
    for period in baseline.periods_of(2025) {
        let start = world.periods[period].start;
        let backlog = baseline.mean_value("world", "backlog", period);
        assert!(backlog > 0.0, "{start}: no orders waiting ({backlog})");
        let output: f64 = (world.packaging.iter())
            .map(|s| baseline.mean_value(&format!("site:{}", s.name), "output", period))
            .sum();
        let packaging = output / stage_capacity(world, &sites, period);
        assert!(
            packaging >= 0.9,
            "{start}: packaging at {packaging:.3} of its capacity"
        );
        for product in ["hbm", "logic"] {
            // Fabs running at the start: starts against capacity (constructions ramp).
            let fabs: Vec<_> = (world.fabs.iter())
                .filter(|f| {
                    f.construction.is_none() && world.products[f.product.0 as usize] == product
                })
                .collect();
            let started: f64 = fabs
                .iter()
                .map(|f| baseline.mean_value(&format!("fab:{}", f.name), "wafer_starts", period))
                .sum();
            let capacity = stage_capacity(
                world,
                &fabs
                    .iter()
                    .map(|f| (0.0, 1.0, &f.capacity))
                    .collect::<Vec<_>>(),
                period,
            );
            assert!(
                started / capacity < packaging,
                "{start}: {product} fabs at {:.3} of capacity, packaging at {packaging:.3}",
                started / capacity
            );
        }
    }
}

/// `projects.csv` has one row per announced campus of the register (at least 20), each
/// with its share of phases live on time and its delay quantiles; every campus names
/// its operator, site and docs/sources.md entries.
#[test]
fn projects_csv_answers_for_every_announced_campus() {
    let text = std::fs::read_to_string(CONFIG).expect("the baseline");
    let config: toml::Value = toml::from_str(&text).expect("TOML");
    let register = std::fs::read_to_string("docs/sources.md").expect("docs/sources.md");
    let campuses = config["projects"].as_array().expect("[[projects]]");
    assert!(campuses.len() >= 20, "{} campuses", campuses.len());
    for campus in campuses {
        let id = campus["id"].as_str().expect("an id");
        for field in ["operator", "site"] {
            assert!(campus.get(field).is_some(), "{id} has no {field}");
        }
        let sources = campus["sources"].as_array().expect("sources");
        assert!(!sources.is_empty(), "{id} cites no source");
        for key in sources {
            let heading = format!("\n### {}\n", key.as_str().expect("a key"));
            assert!(
                register.contains(&heading),
                "{id}: {key} is not in docs/sources.md"
            );
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out");
    let config_path = std::fs::canonicalize(CONFIG).expect("the baseline's path");
    let args = [
        "run",
        config_path.to_str().unwrap(),
        "--reps",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    let output = chipsim(&args, dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut reader = csv::Reader::from_path(out.join("projects.csv")).expect("projects.csv");
    let header = reader.headers().expect("a header").clone();
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (project, on_time) = (column("project"), column("share_on_time"));
    let (p50, p95) = (column("delay_p50_days"), column("delay_p95_days"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    for campus in campuses {
        let id = campus["id"].as_str().unwrap();
        let matching: Vec<_> = rows.iter().filter(|r| &r[project] == id).collect();
        assert_eq!(
            matching.len(),
            1,
            "{id}: {} rows in projects.csv",
            matching.len()
        );
        let share: f64 = matching[0][on_time].parse().expect("a share");
        assert!((0.0..=1.0).contains(&share), "{id}: share on time {share}");
        for column in [p50, p95] {
            let days: f64 = matching[0][column].parse().expect("days");
            assert!(days >= 0.0, "{id}: delay {days}");
        }
    }
}
