//! The monthly briefing (月度工作简报) of a unit: coverage by village and worker, visits by category,
//! new registrations, risk levels, urgent cases and escalations, the overdue list and suspicious
//! visits; as CSV (UTF-8 with BOM, for Excel) or XLSX, with Chinese headings. ID numbers are masked;
//! every export is audited.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Utc};
use fieldvisit_core::caseload::Category;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};
use serde_json::json;

use super::Actor;
use super::coverage::{self, Coverage, Filter, TallyRow, local_date};
use super::error::OpsError;
use super::evidence::{self, Evidence};
use super::parameters::Parameters;
use crate::audit;
use crate::state::AppState;
use crate::store::{ReviewRow, Scope};

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// Number.
    Num(f64),
    /// Date (a date cell in XLSX, `YYYY-MM-DD` in CSV).
    Date(NaiveDate),
}

/// One table of the briefing.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Title (sheet name in XLSX).
    pub title: &'static str,
    /// Column headings.
    pub headers: &'static [&'static str],
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ExportFormat {
    /// CSV.
    Csv,
    /// XLSX.
    Xlsx,
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn n(x: impl Into<f64>) -> Cell {
    Cell::Num(x.into())
}

fn category_name(code: &str) -> String {
    Category::from_code(code).map_or_else(|| code.to_owned(), |c| c.label().zh)
}

fn tally_rows(rows: &[TallyRow], name: impl Fn(&str) -> String) -> Vec<Vec<Cell>> {
    rows.iter()
        .map(|r| {
            let x = &r.tally;
            vec![
                t(name(&r.key)),
                n(x.due),
                n(x.on_time),
                n(x.late),
                n(x.missed),
                n(x.pending),
                n(x.on_time_pct),
                n(x.visited_pct),
            ]
        })
        .collect()
}

/// The first and last day of a month given as `YYYY-MM`.
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, m) = month.split_once('-')?;
    let first = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)?;
    let last = first
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()?;
    Some((first, last))
}

/// Title of the overdue list, the table that holds most of a county's rows.
const OVERDUE_TITLE: &str = "逾期名单";

/// Gets the briefing's unit and its overdue list as soon as coverage is done, while the period's
/// visits may still be loading; it may take the list's rows.
type OverdueHook<'h> = &'h mut (dyn FnMut(&str, &mut Table) -> Result<(), OpsError> + Send);

/// The filter of a whole month (`YYYY-MM`) of `unit_id` (the caller's branch when `None`).
pub fn month_filter(unit_id: Option<String>, month: &str) -> Result<Filter, OpsError> {
    let (from, to) = month_bounds(month)
        .ok_or_else(|| OpsError::invalid("bad_month", "month must be YYYY-MM"))?;
    Ok(Filter {
        unit_id,
        from,
        to,
        category: None,
        worker_id: None,
    })
}

/// Builds the briefing's tables for the filter's unit (the caller's branch when `None`), period
/// and category; the same filter gives the same numbers as coverage on screen.
pub async fn tables(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
) -> Result<(String, Vec<Table>), OpsError> {
    build(state, actor, filter, &mut |_, _| Ok(())).await
}

/// The name of `id` in `names`, or the id itself.
fn name_of(names: &BTreeMap<String, String>, id: &str) -> String {
    names.get(id).cloned().unwrap_or_else(|| id.to_owned())
}

/// The overdue list as a table; about 100,000 rows for a county, so the household's own text is
/// moved, not copied, and each category's name is looked up once.
fn overdue_table(
    overdue: Vec<coverage::OverdueItem>,
    names: &BTreeMap<String, String>,
    staff: &BTreeMap<String, String>,
) -> Table {
    let category_names: Vec<(&str, String)> = Category::ALL
        .iter()
        .map(|c| (c.code(), c.label().zh))
        .collect();
    Table {
        title: OVERDUE_TITLE,
        headers: &[
            "户编号",
            "户主",
            "身份证号",
            "村(社区)",
            "类别",
            "责任社工",
            "应访日期",
            "逾期天数",
        ],
        rows: overdue
            .into_iter()
            .map(|o| {
                vec![
                    Cell::Text(o.household_id),
                    Cell::Text(o.head_name),
                    Cell::Text(o.id_number),
                    t(name_of(names, &o.village_id)),
                    t(category_names
                        .iter()
                        .find(|(code, _)| *code == o.category)
                        .map_or_else(|| category_name(&o.category), |(_, n)| n.clone())),
                    t(o.worker_id
                        .as_deref()
                        .map_or_else(String::new, |w| name_of(staff, w))),
                    Cell::Date(o.due),
                    n(o.days_overdue as f64),
                ]
            })
            .collect(),
    }
}

async fn build(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
    overdue_ready: OverdueHook<'_>,
) -> Result<(String, Vec<Table>), OpsError> {
    let (from, to) = (filter.from, filter.to);
    let today = local_date(Utc::now());
    let covered = async {
        let (data, directory) = tokio::try_join!(
            coverage::load(state, actor, filter, today),
            super::directory::of_branch(state, actor)
        )?;
        let (names, staff) = (directory.unit_names(), directory.staff);
        let f = filter.clone();
        let (data, cov, mut overdue, names, staff) = tokio::task::spawn_blocking(move || {
            // The overdue list moves into the report; the counts stay for the tables below.
            let mut data = data;
            let list = std::mem::take(&mut data.overdue);
            let mut cov = coverage::compute(
                coverage::Data {
                    overdue: list,
                    ..data.clone()
                },
                &f,
            );
            let overdue = overdue_table(std::mem::take(&mut cov.overdue), &names, &staff);
            (data, cov, overdue, names, staff)
        })
        .await
        .map_err(|_| OpsError::internal("coverage failed"))?;
        overdue_ready(&cov.unit_id, &mut overdue)?;
        Ok::<_, OpsError>((data, cov, overdue, names, staff))
    };
    // Independent work: the period's visits load while coverage is read and replayed.
    let ((data, cov, overdue, names, staff), visits, parameters) = tokio::try_join!(
        covered,
        evidence::load(state, actor, filter),
        Parameters::load(state)
    )?;
    let Coverage {
        unit_id: cov_unit,
        by_village,
        by_worker,
        ..
    } = cov;
    let ev: Evidence = evidence::compute(&visits, filter, &parameters);
    let unit_name = |id: &str| name_of(&names, id);
    let worker_name = |id: &str| name_of(&staff, id);

    let in_month: Vec<_> = visits
        .iter()
        .filter(|v| (from..=to).contains(&local_date(v.started_at)))
        .filter(|v| filter.category.is_none_or(|c| c.code() == v.category))
        .collect();
    let mut by_cat: BTreeMap<String, u32> = BTreeMap::new();
    let mut by_level: BTreeMap<String, u32> = BTreeMap::new();
    for v in &in_month {
        *by_cat.entry(v.category.clone()).or_default() += 1;
        *by_level
            .entry(v.level.clone().unwrap_or_else(|| "-".into()))
            .or_default() += 1;
    }
    // The ledger's first due date of a registration is its date: the period's new ones.
    let mut new_regs: BTreeMap<String, u32> = BTreeMap::new();
    for c in data
        .counts
        .iter()
        .filter(|c| c.registered > 0)
        .filter(|c| filter.category.is_none_or(|k| k.code() == c.category))
    {
        *new_regs.entry(c.category.clone()).or_default() += c.registered;
    }
    let unit_scope = Scope {
        path: data.unit_path.clone(),
        worker_id: None,
    };
    let reviews: Vec<ReviewRow> = state
        .store
        .reviews(&unit_scope)
        .await?
        .into_iter()
        .filter(|r| (from..=to).contains(&local_date(r.submitted_at)))
        .collect();
    let count = |f: &dyn Fn(&ReviewRow) -> bool| reviews.iter().filter(|r| f(r)).count() as u32;
    let escalations = vec![
        vec![t("监护评估提交"), n(count(&|_| true))],
        vec![t("社工标记已报警（紧急）"), n(count(&|r| r.urgent))],
        vec![t("退回补充"), n(count(&|r| r.state.as_str() == "returned"))],
        vec![
            t("升级：报警"),
            n(count(&|r| r.escalation.as_deref() == Some("police_report"))),
        ],
        vec![
            t("升级：临时监护"),
            n(count(&|r| {
                r.escalation.as_deref() == Some("temporary_guardianship")
            })),
        ],
        vec![
            t("升级：监护干预"),
            n(count(&|r| {
                r.escalation.as_deref() == Some("guardianship_intervention")
            })),
        ],
        vec![
            t("升级：长期监护"),
            n(count(&|r| {
                r.escalation.as_deref() == Some("long_term_guardianship")
            })),
        ],
        vec![
            t("审核超时未办结"),
            n(count(&|r| {
                r.state.is_open() && super::review::due_at(r, &state.config.review) < Utc::now()
            })),
        ],
    ];
    let tables = vec![
        Table {
            title: "按村覆盖",
            headers: &[
                "村(社区)",
                "应访",
                "按时走访",
                "逾期走访",
                "未访",
                "待访",
                "按时率(%)",
                "走访率(%)",
            ],
            rows: tally_rows(&by_village, unit_name),
        },
        Table {
            title: "按社工覆盖",
            headers: &[
                "社工",
                "应访",
                "按时走访",
                "逾期走访",
                "未访",
                "待访",
                "按时率(%)",
                "走访率(%)",
            ],
            rows: tally_rows(&by_worker, worker_name),
        },
        Table {
            title: "按类别走访",
            headers: &["类别", "本月走访次数"],
            rows: by_cat
                .iter()
                .map(|(c, k)| vec![t(category_name(c)), n(*k)])
                .collect(),
        },
        Table {
            title: "新增登记",
            headers: &["类别", "新增户数"],
            rows: new_regs
                .iter()
                .map(|(c, k)| vec![t(category_name(c)), n(*k)])
                .collect(),
        },
        Table {
            title: "风险等级",
            headers: &["等级", "走访次数"],
            rows: by_level
                .iter()
                .map(|(l, k)| vec![t(l.clone()), n(*k)])
                .collect(),
        },
        Table {
            title: "报警与升级",
            headers: &["事项", "件数"],
            rows: escalations,
        },
        overdue,
        Table {
            title: "可疑走访",
            headers: &[
                "走访编号",
                "户编号",
                "社工",
                "开始时间",
                "时长(分钟)",
                "距离(米)",
                "原因",
            ],
            rows: ev
                .suspicious
                .iter()
                .map(|s| {
                    vec![
                        t(s.visit_id.clone()),
                        t(s.household_id.clone()),
                        t(worker_name(&s.worker_id)),
                        t((s.started_at + chrono::Duration::hours(8))
                            .format("%Y-%m-%d %H:%M")
                            .to_string()),
                        n(s.minutes as f64),
                        s.distance_m.map_or_else(|| t(""), n),
                        t(s.reasons.join(", ")),
                    ]
                })
                .collect(),
        },
    ];
    Ok((cov_unit, tables))
}

/// Neutralizes spreadsheet formulas in text cells (CSV/formula injection).
pub fn safe_text(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Writes a number as the CSV shows it (whole numbers without a fraction) into `buf`.
fn fmt_num(buf: &mut String, x: f64) {
    use std::fmt::Write;
    buf.clear();
    // Writing into a String cannot fail.
    let _ = if x.fract() == 0.0 {
        write!(buf, "{x:.0}")
    } else {
        write!(buf, "{x:.1}")
    };
}

/// Writes a date as `YYYY-MM-DD` into `buf`.
fn fmt_date(buf: &mut String, d: NaiveDate) {
    use std::fmt::Write;
    buf.clear();
    // Writing into a String cannot fail.
    let _ = write!(buf, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

/// CSV: UTF-8 with BOM; each table as a title line, a heading line, its rows and a blank line.
pub fn to_csv(title: &str, tables: &[Table]) -> Result<Vec<u8>, OpsError> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(vec![0xEF, 0xBB, 0xBF]);
    let io = |_: csv::Error| OpsError::internal("csv export failed");
    w.write_record([safe_text(title).as_ref()]).map_err(io)?;
    // One buffer for every number: a county's briefing has about 300,000 of them.
    let mut num = String::new();
    for tb in tables {
        w.write_record([""]).map_err(io)?;
        w.write_record([tb.title]).map_err(io)?;
        w.write_record(tb.headers).map_err(io)?;
        for row in &tb.rows {
            for c in row {
                match c {
                    Cell::Text(s) => w.write_field(safe_text(s).as_bytes()),
                    Cell::Num(x) => {
                        fmt_num(&mut num, *x);
                        w.write_field(num.as_bytes())
                    }
                    Cell::Date(d) => {
                        fmt_date(&mut num, *d);
                        w.write_field(num.as_bytes())
                    }
                }
                .map_err(io)?;
            }
            w.write_record(None::<&[u8]>).map_err(io)?;
        }
    }
    w.into_inner()
        .map_err(|_| OpsError::internal("csv export: flush"))
}

fn xlsx_error(_: rust_xlsxwriter::XlsxError) -> OpsError {
    OpsError::internal("xlsx export failed")
}

fn new_workbook() -> Workbook {
    let mut wb = Workbook::new();
    // The file is mostly XML to compress: the fastest level takes a third less time for about
    // twice the size of the default.
    wb.set_zip_compression_level(1);
    wb
}

/// A sheet of `tb` under `title`, written as it goes: rows go out in order, so the sheet streams
/// them with its strings inline (a shared-string table of 100,000 rows only costs time).
fn sheet(wb: &mut Workbook, title: &str, tb: &Table) -> Result<Worksheet, OpsError> {
    let mut ws = wb
        .new_worksheet_with_constant_memory()
        .map_err(xlsx_error)?;
    write_sheet(&mut ws, title, tb)?;
    Ok(ws)
}

fn write_sheet(ws: &mut Worksheet, title: &str, tb: &Table) -> Result<(), OpsError> {
    let x = xlsx_error;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.set_name(tb.title).map_err(x)?;
    ws.write_string_with_format(0, 0, safe_text(title), &bold)
        .map_err(x)?;
    for (c, h) in tb.headers.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, *h, &bold)
            .map_err(x)?;
        ws.set_column_width(c as u16, 14).map_err(x)?;
    }
    for (r, row) in tb.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 3, c as u16);
            match cell {
                Cell::Text(s) => ws.write_string(r, c, safe_text(s).as_ref()).map_err(x)?,
                Cell::Num(v) => ws.write_number(r, c, *v).map_err(x)?,
                Cell::Date(d) => {
                    let day = ExcelDateTime::from_ymd(
                        u16::try_from(d.year()).map_err(|_| OpsError::internal("xlsx date"))?,
                        d.month() as u8,
                        d.day() as u8,
                    )
                    .map_err(x)?;
                    ws.write_date_with_format(r, c, &day, &date).map_err(x)?
                }
            };
        }
    }
    Ok(())
}

/// XLSX: one sheet per table, bold headings, numbers as numbers, dates as dates.
pub fn to_xlsx(title: &str, tables: &[Table]) -> Result<Vec<u8>, OpsError> {
    let mut wb = new_workbook();
    for tb in tables {
        let ws = sheet(&mut wb, title, tb)?;
        wb.push_worksheet(ws);
    }
    wb.save_to_buffer().map_err(xlsx_error)
}

/// "月度工作简报 2026-11 unit" for a whole month, "工作简报 from–to unit" for another period; the
/// category, when one is chosen, follows.
fn briefing_title(filter: &Filter, unit: &str) -> String {
    let whole_month = month_bounds(&filter.from.format("%Y-%m").to_string())
        .is_some_and(|(first, last)| first == filter.from && last == filter.to);
    let mut title = if whole_month {
        format!("月度工作简报 {} {unit}", filter.from.format("%Y-%m"))
    } else {
        format!("工作简报 {}–{} {unit}", filter.from, filter.to)
    };
    if let Some(c) = filter.category {
        title.push(' ');
        title.push_str(&c.label().zh);
    }
    title
}

/// The XLSX briefing and its overdue rows: the overdue list's sheet (most of a county's rows) is
/// written on its own thread as soon as coverage is done, while the rest is still being read.
async fn xlsx_export(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
) -> Result<(String, Vec<u8>, usize), OpsError> {
    let mut wb = new_workbook();
    let mut early = None;
    let mut overdue_rows = 0;
    let (unit, tables) = build(state, actor, filter, &mut |unit, tb| {
        let mut ws = wb
            .new_worksheet_with_constant_memory()
            .map_err(xlsx_error)?;
        let table = Table {
            title: tb.title,
            headers: tb.headers,
            rows: std::mem::take(&mut tb.rows),
        };
        overdue_rows = table.rows.len();
        let title = briefing_title(filter, unit);
        early = Some(tokio::task::spawn_blocking(move || {
            write_sheet(&mut ws, &title, &table).map(|()| ws)
        }));
        Ok(())
    })
    .await?;
    let title = briefing_title(filter, &unit);
    for tb in &tables {
        let ws = if tb.title == OVERDUE_TITLE
            && let Some(written) = early.take()
        {
            written
                .await
                .map_err(|_| OpsError::internal("xlsx export failed"))??
        } else {
            sheet(&mut wb, &title, tb)?
        };
        wb.push_worksheet(ws);
    }
    Ok((unit, wb.save_to_buffer().map_err(xlsx_error)?, overdue_rows))
}

/// The briefing file for a filter (unit, period, category); audited (`export.briefing`, no
/// personal data).
pub async fn export(
    state: &AppState,
    actor: &Actor,
    filter: &Filter,
    format: ExportFormat,
) -> Result<Vec<u8>, OpsError> {
    let (unit, bytes, overdue_rows) = match format {
        ExportFormat::Csv => {
            let (unit, tables) = tables(state, actor, filter).await?;
            let bytes = to_csv(&briefing_title(filter, &unit), &tables)?;
            let rows = tables
                .iter()
                .find(|t| t.title == OVERDUE_TITLE)
                .map_or(0, |t| t.rows.len());
            (unit, bytes, rows)
        }
        ExportFormat::Xlsx => xlsx_export(state, actor, filter).await?,
    };
    audit::record(
        state,
        &actor.id,
        "export.briefing",
        &unit,
        json!({
            "from": filter.from,
            "to": filter.to,
            "category": filter.category.map(|c| c.code()),
            "format": if format == ExportFormat::Csv { "csv" } else { "xlsx" },
            "overdue_rows": overdue_rows,
        }),
    )
    .await?;
    Ok(bytes)
}
