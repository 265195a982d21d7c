//! The supply-chain model on small scenarios whose outcome is computed by hand.

use chipsim::model::simulate;
use chipsim::replication::DelayCause;
use chipsim::scenario;

use crate::golden::{metric, variant};

fn variant_of(replacements: &[(&str, &str)]) -> chipsim::scenario::Scenario {
    variant(replacements, "")
}

fn golden() -> chipsim::scenario::Scenario {
    variant(&[], "")
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

fn outcome_of(scenario: &chipsim::scenario::Scenario) -> chipsim::replication::ProjectOutcome {
    let run = simulate(&scenario.world, 7, false).unwrap();
    assert!(
        run.conservation.violations().is_empty(),
        "{:?}",
        run.conservation.violations()
    );
    run.result.projects[0][0]
}

#[test]
fn each_constraint_in_turn_is_blamed_when_it_binds() {
    // Built quickly (day 10) and connected on day 90: the grid binds (delay 31 days).
    let grid = variant_of(&[("construction_days = 100", "construction_days = 10")]);
    let outcome = outcome_of(&grid);
    assert_eq!(outcome.cause, DelayCause::Grid);
    assert_eq!(outcome.delay_days, 31.0);

    // Built and connected by day 40 (study 10, transformer 20), but only 50
    // accelerators a week are finished: chips bind.
    let chips = variant_of(&[
        ("construction_days = 100", "construction_days = 10"),
        ("study_days = 30", "study_days = 10"),
        ("transformer_lead_days = 60", "transformer_lead_days = 20"),
        ("accelerators_per_week = 100", "accelerators_per_week = 50"),
    ]);
    assert_eq!(outcome_of(&chips).cause, DelayCause::Chips);

    // Everything ready, but the lane takes 200 days: shipping binds. The last
    // accelerator is finished on day 77, so it was ready before the building (day 100)
    // yet arrives on day 277.
    let shipping = variant_of(&[("transit_days = 3", "transit_days = 200")]);
    let outcome = outcome_of(&shipping);
    assert_eq!(outcome.cause, DelayCause::Shipping);
    assert_eq!(outcome.delay_days, 277.0 - 59.0);

    // Nothing binds when the plan leaves room: go-live on 2025-06-30 (day 180).
    let on_time = variant_of(&[(
        "planned_go_live = 2025-03-01",
        "planned_go_live = 2025-06-30",
    )]);
    let outcome = outcome_of(&on_time);
    assert_eq!(outcome.cause, DelayCause::OnTime);
    assert_eq!(outcome.delay_days, 0.0);

    // A grid region with no spare capacity never connects: not live by the end, and
    // the delay runs to the horizon (2026-12-31 is day 729; 730 - 59 = 671).
    let never = variant_of(&[("spare_mw = 1000", "spare_mw = 0")]);
    let outcome = outcome_of(&never);
    assert_eq!(outcome.cause, DelayCause::NotLiveByEnd);
    assert_eq!(outcome.delay_days, 671.0);
}

/// de Vries (Joule, 2023): 1.5 million servers at 6.5 kW (10.2 kW) running all year
/// at full utilisation and PUE 1 draw 1.5e6 × 6.5 kW × 8,760 h = 85.4 TWh (134.0 TWh).
#[test]
fn energy_of_a_known_fleet_matches_de_vries() {
    for (kw, expected_twh) in [(6.5, 85.41), (10.2, 134.03)] {
        let text = format!(
            "name = \"de_vries\"\nstart = 2027-01-01\nend = 2027-12-31\nworld_electricity_twh = 27000\n\
             [power]\npue = 1.0\nutilisation = 1.0\n\
             [[installed_base]]\nregion = \"world\"\naccelerators = 1500000\nkw_per_accelerator = {kw}\n"
        );
        let scenario = scenario::parse(&text, "de_vries.toml").unwrap();
        let run = simulate(&scenario.world, 1, false).unwrap();
        let twh = metric(&scenario.world, &run.result.metrics, "energy_twh_2027");
        assert!(
            (twh - expected_twh).abs() / expected_twh < 1e-3,
            "{kw} kW: {twh} TWh"
        );
        let share = metric(
            &scenario.world,
            &run.result.metrics,
            "energy_share_world_2027",
        );
        assert!((share - 100.0 * twh / 27000.0).abs() < 1e-9);
    }
}

#[test]
fn same_seed_same_result_and_a_different_seed_differs() {
    let scenario = variant_of(&[
        (
            "cycle_time_days = 70",
            "cycle_time_days = { lognormal = { median = 70, p90 = 90 } }",
        ),
        (
            "transit_days = 3",
            "transit_days = { triangular = { min = 2, mode = 3, max = 6 } }",
        ),
    ]);
    let a = simulate(&scenario.world, 11, false).unwrap().result;
    let b = simulate(&scenario.world, 11, false).unwrap().result;
    let c = simulate(&scenario.world, 12, false).unwrap().result;
    // Debug text compares NaN (a period with no deliveries) as equal to itself.
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_ne!(a.metrics, c.metrics);
}

mod conservation {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Whatever the capacities, cycle times, lane and grid: dies and accelerators
        /// are conserved, and every MW asked is connected or waiting.
        #[test]
        fn stocks_and_flows_balance(
            wafers in 0u32..50,
            dies in 1u32..20,
            yield_mean in 0.2f64..0.95,
            capacity in 0u32..400,
            bill in 1u32..4,
            cycle in 1u32..200,
            departure in 1u32..15,
            lane_capacity in 1u32..500,
            spare in 0u32..3,
            seed in any::<u64>(),
        ) {
            let scenario = variant_of(&[
                ("wafer_starts_per_week = 10", &format!("wafer_starts_per_week = {wafers}")),
                ("dies_per_wafer = 10", &format!("dies_per_wafer = {dies}")),
                ("yield = 1.0", &format!("yield = {{ beta = {{ mean = {yield_mean}, sd = 0.05 }} }}")),
                ("accelerators_per_week = 100", &format!("accelerators_per_week = {capacity}")),
                ("{ logic = 1 }", &format!("{{ logic = {bill} }}")),
                ("cycle_time_days = 70", &format!("cycle_time_days = {{ exponential = {{ mean = {cycle} }} }}")),
                ("departure_every_days = 1", &format!("departure_every_days = {departure}")),
                ("capacity_per_departure = 1000", &format!("capacity_per_departure = {lane_capacity}")),
                ("spare_mw = 1000", &format!("spare_mw = {spare}")),
            ]);
            let run = simulate(&scenario.world, seed, false).unwrap();
            prop_assert!(run.conservation.violations().is_empty(), "{:?}", run.conservation.violations());
            let delivered = metric(&scenario.world, &run.result.metrics, "chips_delivered");
            prop_assert!(delivered <= 1000.0);
        }
    }
}

#[test]
fn supply_follows_demand_instead_of_piling_up() {
    // The golden site could build 100 a week for two years (over 10,000), but only
    // 1,000 are ever ordered: with the default cap of 8 weeks, the site stops once 800
    // wait unallocated, and the fab once the site holds 8 weeks of dies.
    let capped = golden();
    let run = simulate(&capped.world, 1, false).unwrap();
    let built = metric(&capped.world, &run.result.metrics, "accelerators_built");
    assert!(built <= 1000.0 + 10.0 * 100.0, "built {built}");
    let uncapped = variant(
        &[(
            "lot_interval_days = 7",
            "lot_interval_days = 7\nmax_inventory_weeks = 520",
        )],
        "",
    );
    let run = simulate(&uncapped.world, 1, false).unwrap();
    assert!(metric(&uncapped.world, &run.result.metrics, "accelerators_built") > 9000.0);
}

/// Every shipped scenario loads, and stocks and flows balance in every replication.
#[test]
fn shipped_scenarios_conserve_dies_accelerators_and_megawatts() {
    let mut files = vec![std::path::PathBuf::from("configs/baseline.toml")];
    for folder in ["configs/scenarios", "configs/validation"] {
        if let Ok(entries) = std::fs::read_dir(folder) {
            files.extend(
                entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml")),
            );
        }
    }
    files.sort();
    assert!(files.len() >= 9, "{files:?}");
    for file in files {
        let scenario = scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let replications = if file.ends_with("baseline.toml") {
            20
        } else {
            2
        };
        for replication in 0..replications {
            let seed = chipsim::random::replication_seed(1, replication);
            let run = simulate(&scenario.world, seed, false).unwrap();
            let problems = run.conservation.violations();
            assert!(
                problems.is_empty(),
                "{} replication {replication}: {problems:?}",
                file.display()
            );
        }
    }
}
