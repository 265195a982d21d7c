//! The golden scenario (tests/scenarios/golden.toml) and variants of it, shared by the
//! model, shock and hardening tests.

use chipsim::model::World;
use chipsim::scenario::{self, Scenario};

/// The golden scenario's text.
pub fn text() -> String {
    std::fs::read_to_string("tests/scenarios/golden.toml").unwrap()
}

/// The golden scenario with each `(from, to)` replacement applied once and `extra`
/// appended; panics (failing the test) if a replacement does not apply or the result
/// is not a valid scenario.
pub fn variant(replacements: &[(&str, &str)], extra: &str) -> Scenario {
    let mut text = text();
    for (from, to) in replacements {
        assert!(text.contains(from), "golden.toml has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    text.push_str(extra);
    scenario::parse(&text, "variant.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// The value of metric `name` in one replication's `values`.
pub fn metric(world: &World, values: &[f64], name: &str) -> f64 {
    let layout = world.layout();
    let index = layout
        .metrics
        .iter()
        .position(|m| m.name == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    values[index]
}
