//! What an alert may say. Chat platforms are third-party clouds, so a message is made only from
//! [`AlertFacts`]: the event kind, the station's name, a risk level, times, counts and a console
//! link (`docs/domain.md` §6). There is no field a name, an ID number, an address or an answer
//! could travel in; the reader signs in to the console to see more, and that read is audited.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use fieldvisit_core::caseload::Category;
use serde::{Deserialize, Serialize};

use crate::store::AlertKind;

/// A risk level as messages show it; anything else a visit carries is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Risk {
    /// 高.
    High,
    /// 中.
    Medium,
    /// 低.
    Low,
}

impl Risk {
    /// The level a visit recorded, when it is one of the three.
    pub fn parse(level: Option<&str>) -> Option<Risk> {
        match level? {
            "HIGH" => Some(Risk::High),
            "MEDIUM" => Some(Risk::Medium),
            "LOW" => Some(Risk::Low),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Risk::High => "高 HIGH",
            Risk::Medium => "中 MEDIUM",
            Risk::Low => "低 LOW",
        }
    }
}

/// A station's daily digest: numbers only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestCounts {
    /// Households overdue now, by category code.
    pub overdue: BTreeMap<String, u32>,
    /// Suspicious visits made yesterday.
    pub suspicious_yesterday: u32,
    /// Open reviews whose deadline falls today.
    pub reviews_due_today: u32,
}

/// Everything a message may be made from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertFacts {
    /// Idempotency key: the same for every attempt of one alert to one channel.
    pub id: String,
    /// What happened.
    pub event: AlertKind,
    /// The station (township) or other unit's name.
    pub station: String,
    /// Risk level.
    pub level: Option<Risk>,
    /// When it happened.
    pub raised_at: DateTime<Utc>,
    /// A deadline.
    pub due_at: Option<DateTime<Utc>>,
    /// Digest counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<DigestCounts>,
    /// The console page to sign in to.
    pub link: String,
}

/// China Standard Time, the time on every message.
fn cst(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn span(minutes: i64) -> (String, String) {
    let (h, m) = (minutes / 60, minutes % 60);
    if h > 0 {
        (format!("{h} 小时 {m} 分"), format!("{h} h {m} min"))
    } else {
        (format!("{m} 分钟"), format!("{m} min"))
    }
}

/// Title and markdown body, Chinese first with English beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// One line.
    pub title: String,
    /// Markdown (WeCom and DingTalk both read it).
    pub markdown: String,
}

/// The title of each event.
pub fn title(event: AlertKind) -> &'static str {
    match event {
        AlertKind::Police => "【紧急】个案已报警 / Urgent: a case reported to police",
        AlertKind::ReviewDueSoon => "高风险评估即将超时 / HIGH-risk review due soon",
        AlertKind::ReviewOverdue => "高风险评估已超时 / HIGH-risk review overdue",
        AlertKind::Digest => "每日简报 / Daily digest",
        AlertKind::ChainFork => "设备记录链分叉 / Device chain fork",
        AlertKind::ChainGap => "设备记录链缺失 / Device chain gap",
        AlertKind::DeviceRevoked => "设备已吊销 / Device revoked",
        AlertKind::Test => "测试消息 / Test message",
    }
}

impl AlertFacts {
    /// The message text at `now` (time left is counted from it).
    pub fn text(&self, now: DateTime<Utc>) -> Text {
        let title = title(self.event);
        let mut lines = vec![format!("### {title}")];
        lines.push(format!("- 单位 / Unit: {}", self.station));
        if let Some(risk) = self.level {
            lines.push(format!("- 风险等级 / Risk: {}", risk.label()));
        }
        if let Some(due) = self.due_at {
            let left = (due - now).num_minutes();
            if left >= 0 {
                let (zh, en) = span(left);
                lines.push(format!("- 剩余时间 / Time left: {zh} / {en}"));
            } else {
                let (zh, en) = span(-left);
                lines.push(format!("- 已超时 / Overdue by: {zh} / {en}"));
            }
            lines.push(format!("- 截止 / Due: {} (北京时间)", cst(due)));
        }
        if let Some(c) = &self.counts {
            let overdue: Vec<String> = c
                .overdue
                .iter()
                .filter(|(_, n)| **n > 0)
                .map(|(code, n)| {
                    let name = Category::from_code(code).map_or_else(
                        || code.clone(),
                        |cat| format!("{} {}", cat.label().zh, cat.label().en),
                    );
                    format!("{name} {n}")
                })
                .collect();
            let total: u32 = c.overdue.values().sum();
            lines.push(format!("- 逾期未访户 / Overdue households: {total}"));
            if !overdue.is_empty() {
                lines.push(format!("  - {}", overdue.join(" · ")));
            }
            lines.push(format!(
                "- 昨日可疑走访 / Suspicious visits yesterday: {}",
                c.suspicious_yesterday
            ));
            lines.push(format!(
                "- 今日到期评估 / Reviews due today: {}",
                c.reviews_due_today
            ));
        }
        lines.push(format!("- 时间 / At: {} (北京时间)", cst(self.raised_at)));
        lines.push(format!("\n[登录查看 / Sign in to view]({})", self.link));
        lines.push(format!("\n编号 / Ref: {}", self.id));
        Text {
            title: title.to_owned(),
            markdown: lines.join("\n"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts(event: AlertKind) -> AlertFacts {
        AlertFacts {
            id: "7-ch1".into(),
            event,
            station: "城关镇社工站".into(),
            level: Some(Risk::High),
            raised_at: Utc.with_ymd_and_hms(2026, 12, 6, 6, 3, 0).unwrap(),
            due_at: Some(Utc.with_ymd_and_hms(2026, 12, 7, 6, 3, 0).unwrap()),
            counts: None,
            link: "https://fv.example/reviews/v1".into(),
        }
    }

    #[test]
    fn a_review_reminder_says_how_long_is_left_in_local_time() {
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 2, 33, 0).unwrap();
        let t = facts(AlertKind::ReviewDueSoon).text(now);
        assert!(
            t.markdown.contains("3 小时 30 分 / 3 h 30 min"),
            "{}",
            t.markdown
        );
        assert!(t.markdown.contains("2026-12-07 14:03 (北京时间)"));
        assert!(t.markdown.contains("高 HIGH"));
        assert!(t.markdown.contains("(https://fv.example/reviews/v1)"));
        let late = facts(AlertKind::ReviewOverdue).text(now + chrono::Duration::hours(4));
        assert!(
            late.markdown
                .contains("已超时 / Overdue by: 30 分钟 / 30 min")
        );
    }

    #[test]
    fn a_digest_lists_counts_by_category_with_names() {
        let mut f = facts(AlertKind::Digest);
        f.level = None;
        f.due_at = None;
        f.counts = Some(DigestCounts {
            overdue: [("dibao".to_owned(), 3), ("tekun".to_owned(), 0)].into(),
            suspicious_yesterday: 2,
            reviews_due_today: 1,
        });
        let t = f.text(f.raised_at).markdown;
        assert!(t.contains("Overdue households: 3"), "{t}");
        assert!(t.contains("低保 low-income 3"), "{t}");
        assert!(!t.contains("特困"), "{t}");
        assert!(t.contains("Suspicious visits yesterday: 2"));
        assert!(t.contains("Reviews due today: 1"));
    }

    #[test]
    fn only_the_three_risk_levels_are_shown() {
        assert_eq!(Risk::parse(Some("HIGH")), Some(Risk::High));
        assert_eq!(Risk::parse(Some("张三")), None);
        assert_eq!(Risk::parse(None), None);
    }
}
