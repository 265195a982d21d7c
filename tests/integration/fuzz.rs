//! Fuzzing the scenario parser and validator with whole scenarios generated from the
//! raw scenario structure: every table, with ids and regions drawn from a small pool
//! (so references sometimes resolve and sometimes are near misses), words sometimes
//! misspelt, numbers sometimes extreme (0, negative, 1e-300, 1e300, NaN, infinite),
//! distributions of every family, and text sometimes hostile (newlines, escape
//! sequences, bells). Whatever is generated:
//!
//! - parsing never panics or hangs;
//! - an error is one printable line naming the file;
//! - a scenario that validates draws only finite numbers from every distribution, and
//!   runs one replication without panicking (debug builds also panic on a counter
//!   that overflows).
//!
//! Cases: `CHIPSIM_FUZZ_CASES` (default 64). CI runs a bounded number:
//! `CHIPSIM_FUZZ_CASES=3000 cargo test --locked --test integration fuzz`.

use proptest::prelude::*;

use chipsim::distribution::Distribution;
use chipsim::model::{ShockEffect, World};

/// Regions; grid region `i` is `REGIONS[i]`.
const REGIONS: [&str; 3] = ["us_west", "taiwan", "korea"];

/// One of `names`.
fn pick(names: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    (0..names.len()).prop_map(move |i| names[i])
}

/// A region: mostly `usual` (so that most scenarios form a chain that works), else
/// another that exists, sometimes a near miss, rarely hostile.
fn region(usual: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        60 => Just(usual),
        6 => pick(&REGIONS),
        2 => pick(&["taiwn", "us-west"]),
        1 => pick(&["a\nError: forged", "\u{1b}[2J\u{7}", ""]),
    ]
    .prop_map(quoted)
}

/// What a shock may target: an entry's id or a region, sometimes a near miss.
fn target() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => pick(&["fab0", "pack0", "lane0", "lane1", "curve0"]),
        4 => pick(&REGIONS),
        1 => pick(&["fab9", "taiwn", "\u{7}"]),
    ]
    .prop_map(quoted)
}

/// TOML text of a string (escaped as TOML needs).
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// `ordinary` most of the time; rarely an extreme number or a value of the wrong kind.
fn or_extreme(ordinary: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let extremes = [
        "0", "-1", "1e-300", "1e300", "nan", "inf", "-inf", "1e-320", "\"ten\"",
    ];
    prop_oneof![200 => ordinary, 1 => (0..extremes.len()).prop_map(move |i| extremes[i].to_string())]
}

fn between(low: f64, high: f64) -> impl Strategy<Value = String> {
    or_extreme((low..high).prop_map(|x| format!("{x}")))
}

/// A distribution of positive durations (days) of any family, or rarely one with
/// extreme parameters.
fn days() -> impl Strategy<Value = String> {
    let n = |low: f64, high: f64| between(low, high);
    let sane = prop_oneof![
        4 => n(1.0, 300.0),
        1 => (1.0..100.0f64, 0.0..100.0f64).prop_map(|(a, b)| format!("{{ uniform = {{ min = {a}, max = {} }} }}", a + b)),
        1 => (n(1.0, 50.0), n(50.0, 100.0), n(100.0, 200.0)).prop_map(|(a, b, c)| format!("{{ triangular = {{ min = {a}, mode = {b}, max = {c} }} }}")),
        1 => (n(10.0, 100.0), n(1.0, 30.0)).prop_map(|(a, b)| format!("{{ normal = {{ mean = {a}, sd = {b}, min = 0 }} }}")),
        1 => (n(10.0, 100.0), n(100.0, 200.0)).prop_map(|(a, b)| format!("{{ lognormal = {{ median = {a}, p90 = {b} }} }}")),
        1 => (n(10.0, 100.0), n(1.0, 50.0)).prop_map(|(a, b)| format!("{{ lognormal = {{ mean = {a}, sd = {b} }} }}")),
        1 => n(1.0, 100.0).prop_map(|a| format!("{{ exponential = {{ mean = {a} }} }}")),
        1 => (n(0.5, 5.0), n(1.0, 30.0)).prop_map(|(a, b)| format!("{{ gamma = {{ shape = {a}, scale = {b} }} }}")),
        1 => (n(0.5, 5.0), n(1.0, 100.0)).prop_map(|(a, b)| format!("{{ weibull = {{ shape = {a}, scale = {b} }} }}")),
        1 => n(1.0, 30.0).prop_map(|a| format!("{{ poisson = {{ mean = {a} }} }}")),
        1 => (n(1.0, 100.0), n(1.0, 100.0)).prop_map(|(a, b)| format!("{{ empirical = {{ values = [{a}, {b}] }} }}")),
    ];
    prop_oneof![60 => sane, 1 => extreme_distribution()]
}

/// A distribution of fractions, or rarely one with extreme parameters.
fn fraction() -> impl Strategy<Value = String> {
    let sane = prop_oneof![
        2 => (0.5..1.0f64).prop_map(|x| format!("{x}")),
        1 => (0.2..0.9f64, 0.001..0.1f64).prop_map(|(m, s)| format!("{{ beta = {{ mean = {m}, sd = {s} }} }}")),
        1 => (0.0..0.5f64).prop_map(|a| format!("{{ uniform = {{ min = {a}, max = 1 }} }}")),
    ];
    prop_oneof![60 => sane, 1 => extreme_distribution()]
}

/// A distribution of any family with parameters from 1e-320 to 1e300, NaN or infinite.
fn extreme_distribution() -> impl Strategy<Value = String> {
    let e = || {
        let values = [
            "0", "-1", "1e-300", "1e300", "nan", "inf", "1e-320", "1e-200", "0.5", "2",
        ];
        (0..values.len()).prop_map(move |i| values[i])
    };
    (0usize..8, e(), e(), e()).prop_map(|(family, a, b, c)| match family {
        0 => format!("{{ uniform = {{ min = {a}, max = {b} }} }}"),
        1 => format!("{{ triangular = {{ min = {a}, mode = {b}, max = {c} }} }}"),
        2 => format!("{{ normal = {{ mean = {a}, sd = {b}, min = {c} }} }}"),
        3 => format!("{{ lognormal = {{ mean = {a}, sd = {b} }} }}"),
        4 => format!("{{ beta = {{ mean = {a}, sd = {b} }} }}"),
        5 => format!("{{ gamma = {{ shape = {a}, scale = {b} }} }}"),
        6 => format!("{{ weibull = {{ shape = {a}, scale = {b} }} }}"),
        _ => format!("{{ empirical = {{ values = [{a}, {b}, {c}] }} }}"),
    })
}

/// A date, mostly within 2025 and 2026.
fn date(years: std::ops::Range<i32>) -> impl Strategy<Value = String> {
    let odd = [
        "1990-01-01",
        "2100-01-01",
        "2025-02-29",
        "2025-01-01T00:00:00",
    ];
    prop_oneof![
        100 => (years, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        1 => (0..odd.len()).prop_map(move |i| odd[i].to_string()),
    ]
}

/// One of `words`, or rarely a near miss.
fn word(words: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        100 => (0..words.len()).prop_map(move |i| quoted(words[i])),
        1 => Just(quoted("ari")),
    ]
}

/// `[[table]]` entries, each written by `entry`, their number in `counts`; entry `i`
/// has the id `id(i)`, or rarely a bad one (a duplicate, empty or hostile).
fn tables(
    table: &'static str,
    id: fn(usize) -> String,
    entry: impl Strategy<Value = String>,
    counts: std::ops::Range<usize>,
) -> impl Strategy<Value = String> {
    let bad = prop_oneof![100 => Just(None), 1 => pick(&["fab0", "", "x\u{1b}]0;pwned\u{7}"]).prop_map(Some)];
    proptest::collection::vec((entry, bad), counts).prop_map(move |entries| {
        (entries.iter().enumerate())
            .map(|(i, (body, bad))| {
                let id = bad.map_or_else(|| id(i), str::to_string);
                format!("\n[[{table}]]\nid = {}\n{body}", quoted(&id))
            })
            .collect::<String>()
    })
}

fn fab() -> impl Strategy<Value = String> {
    let product = prop_oneof![50 => Just("logic"), 2 => Just("hbm"), 1 => Just("lgoic")];
    (
        region("taiwan"),
        product,
        between(1.0, 2000.0),
        days(),
        between(1.0, 200.0),
        fraction(),
    )
        .prop_map(|(region, product, starts, cycle, dies, yields)| {
            format!(
                "region = {region}\nproduct = \"{product}\"\nwafer_starts_per_week = {starts}\n\
                 cycle_time_days = {cycle}\ndies_per_wafer = {dies}\nyield = {yields}\n"
            )
        })
}

fn construction() -> impl Strategy<Value = String> {
    (region("taiwan"), between(1.0, 2000.0), date(2025..2027), days(), between(0.0, 500.0), any::<bool>())
        .prop_map(|(region, starts, start, build, power, secured)| {
            format!(
                "region = {region}\nproduct = \"logic\"\nwafer_starts_per_week = {starts}\n\
                 start = {start}\nconstruction_days = {build}\npower_mw = {power}\npower_secured = {secured}\n\
                 cycle_time_days = 80\ndies_per_wafer = 50\nyield = 0.9\n"
            )
        })
}

fn packaging() -> impl Strategy<Value = String> {
    let bill = prop_oneof![
        100 => (1u32..5).prop_map(|n| format!("{{ logic = {n} }}")),
        1 => (1u32..5, 1u32..10).prop_map(|(n, m)| format!("{{ logic = {n}, hbm = {m} }}")),
        1 => between(0.0, 3.0).prop_map(|n| format!("{{ logic = {n} }}")),
    ];
    (region("taiwan"), between(1.0, 1000.0), bill, days()).prop_map(
        |(region, per_week, bill, cycle)| {
            format!(
                "region = {region}\naccelerators_per_week = {per_week}\n\
                 bill_of_materials = {bill}\ncycle_time_days = {cycle}\n"
            )
        },
    )
}

fn lane() -> impl Strategy<Value = String> {
    let ends = (region("taiwan"), region("us_west"), 0..50).prop_map(|(from, to, chance)| {
        // A lane with the same region at both ends is refused: keep it rare.
        if from == to && chance > 0 {
            let other = REGIONS
                .iter()
                .find(|r| quoted(r) != from)
                .copied()
                .unwrap_or("korea");
            (from, quoted(other))
        } else {
            (from, to)
        }
    });
    (
        ends,
        word(&["sea", "air"]),
        between(0.5, 30.0),
        between(1.0, 10000.0),
        days(),
    )
        .prop_map(|((from, to), mode, every, capacity, transit)| {
            format!(
                "from = {from}\nto = {to}\nmode = {mode}\ndeparture_every_days = {every}\n\
                 capacity_per_departure = {capacity}\ntransit_days = {transit}\n"
            )
        })
}

fn grid() -> impl Strategy<Value = String> {
    (between(0.0, 5000.0), between(0.0, 1000.0), days(), days()).prop_map(
        |(spare, added, study, transformer)| {
            format!(
                "spare_mw = {spare}\ncapacity_added_mw_per_year = {added}\n\
                 study_days = {study}\ntransformer_lead_days = {transformer}\n"
            )
        },
    )
}

fn project() -> impl Strategy<Value = String> {
    (region("us_west"), between(1.0, 500.0), between(0.3, 3.0), date(2024..2025), days(), date(2025..2027))
        .prop_map(|(region, load, kw, start, build, live)| {
            format!(
                "region = {region}\nit_load_mw = {load}\nkw_per_accelerator = {kw}\n\
                 construction_start = {start}\nconstruction_days = {build}\nplanned_go_live = {live}\n"
            )
        })
}

fn demand() -> impl Strategy<Value = String> {
    let size = prop_oneof![
        3 => Just("{ empirical = { values = [20, 50, 100] } }".to_string()),
        1 => days(),
    ];
    (
        region("us_west"),
        2025i32..2027,
        between(1.0, 2000.0),
        between(-0.5, 1.0),
        size,
        between(0.3, 3.0),
    )
        .prop_map(|(region, first, mw, growth, size, kw)| {
            format!(
                "region = {region}\nfirst_year = {first}\nmw_first_year = {mw}\n\
                 growth_per_year = {growth}\nproject_mw = {size}\nkw_per_accelerator = {kw}\n\
                 construction_days = 300\nplanned_construction_days = 300\n\
                 grid_request_lead_days = 400\n"
            )
        })
}

fn shock() -> impl Strategy<Value = String> {
    let kinds = &[
        "outage",
        "lane_disruption",
        "export_control",
        "grid_moratorium",
        "transformer_crunch",
        "demand_surge",
    ];
    let kind = prop_oneof![100 => 0..kinds.len(), 1 => Just(kinds.len())];
    (
        kind,
        target(),
        between(0.0, 5.0),
        days(),
        days(),
        any::<bool>(),
    )
        .prop_map(move |(kind, target, rate, duration, extra, by_id)| {
            let scope = match (kind, by_id) {
                (0, true) => format!("site = {target}\n"),
                (1, true) => format!("lane = {target}\nadded_days = {extra}\n"),
                (0 | 1 | 3, _) => format!("region = {target}\n"),
                (2, _) => format!("from_regions = [{target}]\nto_regions = [\"us_west\"]\n"),
                (4, _) => format!("region = {target}\nmultiplier = 2\n"),
                _ => format!("demand = {target}\nextra_mw = {extra}\n"),
            };
            let kind = quoted(kinds.get(kind).copied().unwrap_or("outtage"));
            format!("kind = {kind}\nrate_per_year = {rate}\nduration_days = {duration}\n{scope}")
        })
}

/// A whole scenario.
fn scenario() -> impl Strategy<Value = String> {
    let top = (
        prop_oneof![20 => Just(quoted("fuzz")), 1 => region("korea")],
        prop_oneof![30 => Just("2025-01-01".to_string()), 1 => date(2025..2026)],
        prop_oneof![30 => Just("2026-12-31".to_string()), 1 => date(2026..2028)],
        between(1.0, 50000.0),
        word(&["month", "quarter"]),
        word(&["first_come", "priority", "pro_rata"]),
    );
    let sites = (
        tables("fabs", |i| format!("fab{i}"), fab(), 1..3),
        tables(
            "fab_constructions",
            |i| format!("build{i}"),
            construction(),
            0..2,
        ),
        tables("packaging", |i| format!("pack{i}"), packaging(), 1..3),
        tables("lanes", |i| format!("lane{i}"), lane(), 1..4),
    );
    let demand_side = (
        tables("grid_regions", |i| REGIONS[i].to_string(), grid(), 2..4),
        tables("projects", |i| format!("dc{i}"), project(), 0..3),
        tables("demand", |i| format!("curve{i}"), demand(), 0..2),
        proptest::collection::vec(region("korea"), 0..2).prop_map(|regions| {
            (regions.iter())
                .map(|r| format!("\n[[installed_base]]\nregion = {r}\naccelerators = 100\nkw_per_accelerator = 1\n"))
                .collect::<String>()
        }),
        tables("shocks", |i| format!("shock{i}"), shock(), 0..3),
    );
    (top, sites, demand_side).prop_map(
        |((scenario, start, end, twh, period, policy), sites, demand_side)| {
            let (fabs, builds, packaging, lanes) = sites;
            let (grids, projects, demand, installed, shocks) = demand_side;
            format!(
                "name = {scenario}\nstart = {start}\nend = {end}\nworld_electricity_twh = {twh}\n\
             report_period = {period}\n\n[allocator]\npolicy = {policy}\n\
             {fabs}{builds}{packaging}{lanes}{grids}{projects}{demand}{installed}{shocks}"
            )
        },
    )
}

/// Every distribution of `world`.
fn distributions(world: &World) -> Vec<&Distribution> {
    let mut all: Vec<&Distribution> = Vec::new();
    for fab in &world.fabs {
        all.extend([&fab.cycle_time_days, &fab.yield_fraction]);
        all.extend(fab.construction.iter().map(|c| &c.construction_days));
    }
    for site in &world.packaging {
        all.extend([&site.cycle_time_days, &site.yield_fraction]);
    }
    all.extend(world.lanes.iter().map(|lane| &lane.transit_days));
    for grid in &world.grids {
        all.extend([&grid.study_days, &grid.transformer_lead_days]);
    }
    all.extend(world.projects.iter().map(|p| &p.construction_days));
    for curve in &world.demand {
        all.extend([&curve.project_mw, &curve.construction_days]);
    }
    for shock in &world.shocks {
        all.extend(shock.duration_days.iter());
        match &shock.effect {
            ShockEffect::Outage {
                capacity_lost,
                wip_scrapped,
                ..
            } => all.extend([capacity_lost, wip_scrapped]),
            ShockEffect::LaneDisruption { added_days, .. } => all.extend(added_days.iter()),
            ShockEffect::TransformerCrunch { multiplier, .. } => all.push(multiplier),
            ShockEffect::DemandSurge { extra_mw, .. } => all.push(extra_mw),
            ShockEffect::ExportControl { .. } | ShockEffect::GridMoratorium { .. } => {}
        }
    }
    all
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("CHIPSIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
    ))]
    #[test]
    fn generated_scenarios_are_accepted_or_refused_cleanly(text in scenario()) {
        match chipsim::scenario::parse(&text, "fuzz.toml") {
            Err(error) => {
                let message = error.to_string();
                prop_assert!(message.starts_with("fuzz.toml"), "{}", message);
                prop_assert!(!message.chars().any(char::is_control), "{:?}", message);
            }
            Ok(scenario) => {
                let mut rng = chipsim::random::stream(1, "fuzz");
                for distribution in distributions(&scenario.world) {
                    for _ in 0..20 {
                        let draw = distribution.sample(&mut rng);
                        prop_assert!(draw.is_finite(), "{:?} drew {}", distribution, draw);
                    }
                }
                for warning in &scenario.warnings {
                    prop_assert!(!warning.chars().any(char::is_control), "{:?}", warning);
                }
                let mut world = scenario.world;
                world.event_budget = world.event_budget.min(200_000);
                let _ = chipsim::model::simulate(&world, 1, false);
            }
        }
    }
}
