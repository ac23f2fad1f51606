//! Parsing the household CSV: one error per bad cell, naming the line and column, never the value.

use std::io::Read;

use chrono::NaiveDate;
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household};
use fieldvisit_core::geo::GeoPoint;

use crate::ids::is_safe_id;

/// Problems found in one row: column and what is wrong.
type CellErrors = Vec<(&'static str, String)>;

/// Columns, in this order, with a header line.
pub const COLUMNS: [&str; 10] = [
    "household_id",
    "village_id",
    "head_name",
    "id_number",
    "address",
    "categories",
    "registered_on",
    "lat",
    "lon",
    "worker_id",
];

/// A parsed row and the worker it is assigned to.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRow {
    /// CSV line number (1 is the header).
    pub line: u64,
    /// The household.
    pub household: Household,
    /// Assigned worker, if any.
    pub worker_id: Option<String>,
}

/// One problem in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// CSV line number.
    pub line: u64,
    /// Column name.
    pub column: &'static str,
    /// What is wrong (never the value itself).
    pub problem: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.problem
        )
    }
}

fn text(
    v: &str,
    column: &'static str,
    max: usize,
    errs: &mut Vec<(&'static str, String)>,
) -> String {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        errs.push((column, format!("must be 1–{max} printable characters")));
    }
    v.to_owned()
}

/// 18-character resident ID (17 digits + digit or X) or the old 15-digit form.
fn valid_id_number(v: &str) -> bool {
    let b = v.as_bytes();
    match b.len() {
        15 => b.iter().all(u8::is_ascii_digit),
        18 => b[..17].iter().all(u8::is_ascii_digit) && (b[17].is_ascii_digit() || b[17] == b'X'),
        _ => false,
    }
}

fn parse_record(r: &csv::StringRecord) -> Result<(Household, Option<String>), CellErrors> {
    let mut errs = Vec::new();
    let get = |i: usize| r.get(i).unwrap_or("").trim();
    let id = get(0).to_owned();
    if !is_safe_id(&id) {
        errs.push((COLUMNS[0], "not a valid identifier".to_owned()));
    }
    let village_id = get(1).to_owned();
    if !is_safe_id(&village_id) {
        errs.push((COLUMNS[1], "not a valid identifier".to_owned()));
    }
    let head_name = text(get(2), COLUMNS[2], 50, &mut errs);
    let id_number = get(3).to_uppercase();
    if !valid_id_number(&id_number) {
        errs.push((
            COLUMNS[3],
            "must be 18 characters (17 digits and a digit or X) or 15 digits".to_owned(),
        ));
    }
    let address = text(get(4), COLUMNS[4], 200, &mut errs);
    let since = NaiveDate::parse_from_str(get(6), "%Y-%m-%d");
    if since.is_err() {
        errs.push((COLUMNS[6], "must be a date YYYY-MM-DD".to_owned()));
    }
    let mut categories = Vec::new();
    for code in get(5)
        .split([';', '|'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        match (Category::from_code(code), since) {
            (Some(category), _)
                if categories
                    .iter()
                    .any(|r: &CategoryRegistration| r.category == category) =>
            {
                errs.push((COLUMNS[5], format!("category {code} is listed twice")))
            }
            (Some(category), Ok(since)) => {
                categories.push(CategoryRegistration { category, since })
            }
            (Some(_), Err(_)) => {}
            (None, _) => errs.push((COLUMNS[5], "unknown category code".to_owned())),
        }
    }
    if get(5).trim().is_empty() {
        errs.push((COLUMNS[5], "at least one category is required".to_owned()));
    }
    let location = match (get(7), get(8)) {
        ("", "") => None,
        (lat, lon) => match (lat.parse::<f64>(), lon.parse::<f64>()) {
            (Ok(lat), Ok(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                Some(GeoPoint { lat, lon })
            }
            (Ok(_), Ok(_)) | (Err(_), _) => {
                errs.push((
                    COLUMNS[7],
                    "must be a latitude between -90 and 90 (with lon)".to_owned(),
                ));
                None
            }
            (_, Err(_)) => {
                errs.push((
                    COLUMNS[8],
                    "must be a longitude between -180 and 180".to_owned(),
                ));
                None
            }
        },
    };
    let worker_id = match get(9) {
        "" => None,
        w if is_safe_id(w) => Some(w.to_owned()),
        _ => {
            errs.push((COLUMNS[9], "not a valid identifier".to_owned()));
            None
        }
    };
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok((
        Household {
            id,
            village_id,
            head_name,
            id_number,
            address,
            categories,
            location,
            members: Vec::new(),
        },
        worker_id,
    ))
}

/// Parses the whole file, calling `on_row` after each row (for a progress bar). All rows or errors.
pub fn parse(input: impl Read, on_row: &mut dyn FnMut()) -> Result<Vec<ParsedRow>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let mut errors = Vec::new();
    match reader.headers() {
        Ok(h) if h.iter().map(str::trim).eq(COLUMNS.iter().copied()) => {}
        _ => {
            return Err(vec![RowError {
                line: 1,
                column: "header",
                problem: format!("header must be: {}", COLUMNS.join(",")),
            }]);
        }
    }
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for result in reader.records() {
        on_row();
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(RowError {
                    line,
                    column: "row",
                    problem: "not valid CSV (wrong field count, quoting or encoding)".to_owned(),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        match parse_record(&record) {
            Ok((household, worker_id)) => {
                if !seen.insert(household.id.clone()) {
                    errors.push(RowError {
                        line,
                        column: COLUMNS[0],
                        problem: "duplicate in this file".to_owned(),
                    });
                }
                rows.push(ParsedRow {
                    line,
                    household,
                    worker_id,
                });
            }
            Err(errs) => errors.extend(errs.into_iter().map(|(column, problem)| RowError {
                line,
                column,
                problem,
            })),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const HEADER: &str = "household_id,village_id,head_name,id_number,address,categories,registered_on,lat,lon,worker_id\n";

    #[test]
    fn parses_good_rows() {
        let csv = format!(
            "{HEADER}h1,v1,张三,32010219800101123X,城关镇1号,dibao;left_behind_child,2026-01-05,32.1,118.8,w1\nh2,v1,李四,320102198001011234,二组,elderly_aged,2026-02-01,,,\n"
        );
        let mut n = 0;
        let rows = parse(csv.as_bytes(), &mut || n += 1).unwrap();
        assert_eq!(n, 2);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].household.categories.len(), 2);
        assert_eq!(rows[0].worker_id.as_deref(), Some("w1"));
        assert_eq!(rows[1].line, 3);
        assert!(rows[1].household.location.is_none());
    }

    #[test]
    fn errors_name_line_and_column_but_not_the_value() {
        let csv = format!(
            "{HEADER}h1,v1,张三,12345,addr,dibao,2026-01-05,,,\nh'2--,v1,李四,320102198001011234,addr,nope,2026-13-01,99,0,\n"
        );
        let errs = parse(csv.as_bytes(), &mut || {}).unwrap_err();
        let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert!(text.contains(&"line 2, column id_number: must be 18 characters (17 digits and a digit or X) or 15 digits".to_owned()), "{text:?}");
        assert!(
            errs.iter()
                .any(|e| e.line == 3 && e.column == "household_id")
        );
        assert!(
            errs.iter()
                .any(|e| e.line == 3 && e.column == "registered_on")
        );
        assert!(errs.iter().any(|e| e.line == 3 && e.column == "categories"));
        assert!(errs.iter().any(|e| e.line == 3 && e.column == "lat"));
        assert!(
            text.iter()
                .all(|t| !t.contains("12345") && !t.contains("李四"))
        );
    }

    #[test]
    fn a_category_listed_twice_is_refused() {
        let csv =
            format!("{HEADER}h1,v1,张三,320102198001011234,addr,tekun;dibao;tekun,2026-01-05,,,\n");
        let errs = parse(csv.as_bytes(), &mut || {}).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "line 2, column categories: category tekun is listed twice"
        );
    }

    #[test]
    fn refuses_wrong_header_and_ragged_rows() {
        assert_eq!(
            parse("a,b\n1,2\n".as_bytes(), &mut || {}).unwrap_err()[0].column,
            "header"
        );
        let errs = parse(format!("{HEADER}h1,v1\n").as_bytes(), &mut || {}).unwrap_err();
        assert_eq!(errs[0].column, "row");
    }
}
