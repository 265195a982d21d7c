//! The horizon's edge: buyers order `order_lead_days` (or more) before their need date,
//! and projects that go live after the horizon are not simulated, so in the last
//! `order_lead_days` of the horizon the orders for those projects are missing and
//! orders, backlog and lead times fall for that reason alone. Time charts shade that
//! window and say why.
//!
//! The lead is the scenario's longest `order_lead_days` (the field's default where it is
//! not written), read from the scenario file found by the manifest's config hash (see
//! [`crate::report::find_scenario`]); without the file the window is not shaded.

use chrono::NaiveDate;

use crate::report::find_scenario_text;
use crate::scenario::fields::Absent;
use crate::scenario::kinds::project::ORDER_LEAD_DAYS;

/// The label on the shaded window.
pub(super) const EDGE_LABEL: &str = "orders for go-lives after the horizon not simulated";

/// The longest `order_lead_days` written anywhere in `text`, at least the default
/// when some table leaves it out (it is then taken as the default).
fn longest_order_lead(text: &str) -> Option<f64> {
    fn walk(value: &toml::Value, longest: &mut f64) {
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    match (key.as_str(), value) {
                        (name, toml::Value::Integer(days)) if name == ORDER_LEAD_DAYS.name => {
                            *longest = longest.max(*days as f64);
                        }
                        (name, toml::Value::Float(days)) if name == ORDER_LEAD_DAYS.name => {
                            *longest = longest.max(*days);
                        }
                        _ => walk(value, longest),
                    }
                }
            }
            toml::Value::Array(items) => items.iter().for_each(|item| walk(item, longest)),
            _ => {}
        }
    }
    let value: toml::Value = text.parse().ok()?;
    let Absent::Number(default) = ORDER_LEAD_DAYS.if_absent else {
        return None;
    };
    let mut longest = default;
    walk(&value, &mut longest);
    Some(longest)
}

/// The first day of the edge window of a horizon ending on `end`, for the scenario of
/// `config_hash`; `None` when the scenario file is not found.
pub(super) fn edge_start(config_hash: &str, end: NaiveDate) -> Option<NaiveDate> {
    let text = find_scenario_text(config_hash)?;
    let days = longest_order_lead(&text)?;
    end.checked_sub_days(chrono::Days::new(days.round() as u64 - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_written_order_lead_wins_over_the_default() {
        let text = "[[demand]]\norder_lead_days = 365\n[[demand]]\norder_lead_days = 90.5\n";
        assert_eq!(longest_order_lead(text), Some(365.0));
        assert_eq!(longest_order_lead("[[demand]]\nid = \"x\"\n"), Some(270.0));
        assert_eq!(longest_order_lead("not toml ["), None);
    }
}
