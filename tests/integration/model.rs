//! The supply-chain model on small scenarios whose outcome is computed by hand.

use chipsim::model::simulate;
use chipsim::replication::DelayCause;
use chipsim::scenario;

fn golden() -> chipsim::scenario::Scenario {
    scenario::load(std::path::Path::new("tests/scenarios/golden.toml"))
        .expect("golden scenario is valid")
}

fn metric(world: &chipsim::model::World, values: &[f64], name: &str) -> f64 {
    let layout = world.layout();
    let index = layout
        .metrics
        .iter()
        .position(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    values[index]
}

/// One fab (10 wafers/week × 10 dies, yield 1, cycle 70 d), one packaging site
/// (100/week, 1 die each, cycle 14 d), one air lane (daily, 3 d), one project of
/// 1,000 accelerators (1 MW at 1 kW) in us_west, ordered on day 0 for go-live on
/// 2025-03-01 (day 59), built on day 100, grid study 30 d + transformer 60 d.
///
/// - The fab's pre-filled pipeline finishes 100 dies every 7 days from day 7.
/// - The site's pre-filled batch finishes 100 accelerators on day 7; batches started
///   on days 7, 14, … finish on days 21, 28, …: the 1,000th accelerator is finished on
///   day 77 (batches on days 7, 21, 28, …, 77) and, leaving on the day's departure,
///   arrives on day 80. Arrivals: days 10, 24, 31, 38, 45, 52, 59, 66, 73, 80.
/// - On time (by day 59): 7 × 100 = 700, so 300 are short.
/// - Mean order-to-delivery lead time: (10 + 24 + 31 + … + 80) / 10 = 47.8 days.
/// - Grid: requested day 0, studied day 30, granted at once, connected day 90.
/// - Live when built (day 100, the last constraint): delay 41 days, cause construction.
/// - Energy: 1,000 kW from day 100 to the end of 2025 (265 days) = 0.00636 TWh;
///   all of 2026 = 0.00876 TWh.
#[test]
fn golden_scenario_matches_the_hand_computation() {
    let scenario = golden();
    let world = &scenario.world;
    let run = simulate(world, 1, false).unwrap();
    let values = &run.result.metrics;
    assert_eq!(metric(world, values, "chips_demanded"), 1000.0);
    assert_eq!(metric(world, values, "chips_delivered"), 1000.0);
    assert_eq!(metric(world, values, "chips_short"), 300.0);
    assert!((metric(world, values, "order_lead_time_mean_days") - 47.8).abs() < 1e-9);
    assert_eq!(metric(world, values, "projects_delayed"), 1.0);
    assert_eq!(metric(world, values, "project_delay_mean_days"), 41.0);
    assert_eq!(metric(world, values, "grid_wait_mean_days"), 90.0);
    assert!((metric(world, values, "energy_twh_2025") - 0.00636).abs() < 1e-12);
    assert!((metric(world, values, "energy_twh_2026") - 0.00876).abs() < 1e-12);
    assert_eq!(metric(world, values, "mw_live_end"), 1.0);
    let outcome = run.result.projects[0][0];
    assert_eq!(outcome.cause, DelayCause::Construction);
    assert_eq!(outcome.delay_days, 41.0);
    assert!(
        run.conservation.violations().is_empty(),
        "{:?}",
        run.conservation.violations()
    );
}
