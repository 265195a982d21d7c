//! Reporting periods as a person names them: `2026 Q3`, `2026-07`, `2026`, else the
//! first and last day.

use chrono::{Datelike, NaiveDate};

use crate::replication::Period;

/// The last day of the month `months` months after the start of `start`'s month.
fn month_end(start: NaiveDate, months: u32) -> Option<NaiveDate> {
    let first = start.with_day(1)?;
    first
        .checked_add_months(chrono::Months::new(months))?
        .pred_opt()
}

/// `2026 Q3` for a calendar quarter, `2026-07` for a month, `2026` for a year, else
/// `2026-02-15 to 2026-05-14`.
pub fn period_label(period: &Period) -> String {
    let (start, end) = (period.start, period.end);
    let whole = |months: u32| start.day() == 1 && month_end(start, months) == Some(end);
    if whole(12) && start.month() == 1 {
        format!("{}", start.year())
    } else if whole(3) && start.month() % 3 == 1 {
        format!("{} Q{}", start.year(), start.month() / 3 + 1)
    } else if whole(1) {
        format!("{}-{:02}", start.year(), start.month())
    } else {
        format!("{start} to {end}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(start: &str, end: &str) -> Period {
        Period {
            start: start.parse().expect("date"),
            end: end.parse().expect("date"),
        }
    }

    #[test]
    fn calendar_periods_get_their_names() {
        assert_eq!(period_label(&period("2026-07-01", "2026-09-30")), "2026 Q3");
        assert_eq!(period_label(&period("2026-01-01", "2026-03-31")), "2026 Q1");
        assert_eq!(period_label(&period("2026-02-01", "2026-02-28")), "2026-02");
        assert_eq!(period_label(&period("2027-01-01", "2027-12-31")), "2027");
        assert_eq!(
            period_label(&period("2026-02-01", "2026-04-30")),
            "2026-02-01 to 2026-04-30"
        );
    }
}
