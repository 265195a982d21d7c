//! Numbers as a person reads them in a table: about three significant digits, thousands
//! grouped with commas (`37,703,167`, `12.3`, `0.0457`), a dash for a value that is not
//! defined. The CSV files keep every digit; this is only for the terminal and the
//! report.

/// `value` rounded for reading: whole numbers from 100 up, else three significant
/// digits (at most six decimals); `–` when it is not a number.
pub fn readable(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let magnitude = value.abs();
    let decimals = if magnitude >= 100.0 || magnitude == 0.0 {
        0
    } else {
        (2 - magnitude.log10().floor() as i32).clamp(0, 6) as usize
    };
    let text = format!("{value:.decimals$}");
    let (sign, digits) = match text.strip_prefix('-') {
        Some(digits) => ("-", digits),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let zero = whole.bytes().all(|b| b == b'0') && fraction.bytes().all(|b| b == b'0');
    if zero {
        return "0".to_string();
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// A difference with its sign always shown: `+1,200`, `-3.5`, `0`.
pub fn signed(value: f64) -> String {
    let text = readable(value);
    if value > 0.0 && text != "0" {
        format!("+{text}")
    } else {
        text
    }
}

/// A 95 % confidence interval: `[1.23, 4.56]`.
pub fn interval(low: f64, high: f64) -> String {
    format!("[{}, {}]", readable(low), readable(high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits_and_group_thousands() {
        let cases = [
            (37_703_166.56, "37,703,167"),
            (-1_234.4, "-1,234"),
            (100.0, "100"),
            (99.94, "99.9"),
            (12.345, "12.3"),
            (1.0, "1.00"),
            (0.045_67, "0.0457"),
            (0.0, "0"),
            (-0.000_000_01, "0"),
            (f64::NAN, "–"),
        ];
        for (value, expected) in cases {
            assert_eq!(readable(value), expected, "{value}");
        }
        assert_eq!(signed(1200.0), "+1,200");
        assert_eq!(signed(-3.5), "-3.50");
        assert_eq!(signed(1e-9), "0");
        assert_eq!(interval(1.0, 2500.0), "[1.00, 2,500]");
    }
}
