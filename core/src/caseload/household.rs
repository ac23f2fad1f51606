//! Households and the categories that put them on a caseload.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::geo::GeoPoint;
use crate::template::{Label, VisitKind};

/// Why a household is on the caseload (`docs/domain.md` §2); a household may have several.
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 低保 low-income household.
    Dibao,
    /// 特困 extreme-poverty person, dispersed support.
    Tekun,
    /// 临时救助 temporary assistance.
    TemporaryAssistance,
    /// 留守儿童 left-behind child.
    LeftBehindChild,
    /// 困境儿童 distressed child.
    DistressedChild,
    /// 孤儿 orphan.
    Orphan,
    /// 事实无人抚养儿童 de-facto unsupported child.
    UnsupportedChild,
    /// 特困老人 dispersed-support elderly.
    ElderlyTekun,
    /// 留守老人 left-behind elderly.
    ElderlyLeftBehind,
    /// 高龄老人 80 and over.
    ElderlyAged,
    /// 失能老人 disabled elderly.
    ElderlyDisabled,
    /// 独居/空巢老人 living alone or empty-nest.
    ElderlyAlone,
}

impl Category {
    /// Every category, in display order.
    pub const ALL: [Category; 12] = [
        Category::Dibao,
        Category::Tekun,
        Category::TemporaryAssistance,
        Category::LeftBehindChild,
        Category::DistressedChild,
        Category::Orphan,
        Category::UnsupportedChild,
        Category::ElderlyTekun,
        Category::ElderlyLeftBehind,
        Category::ElderlyAged,
        Category::ElderlyDisabled,
        Category::ElderlyAlone,
    ];

    /// The visit type that serves this category.
    pub fn visit_kind(self) -> VisitKind {
        match self {
            Category::Dibao | Category::Tekun | Category::TemporaryAssistance => {
                VisitKind::Economic
            }
            Category::LeftBehindChild
            | Category::DistressedChild
            | Category::Orphan
            | Category::UnsupportedChild => VisitKind::Child,
            Category::ElderlyTekun
            | Category::ElderlyLeftBehind
            | Category::ElderlyAged
            | Category::ElderlyDisabled
            | Category::ElderlyAlone => VisitKind::Elderly,
        }
    }

    /// The snake_case code used on the wire and in files.
    pub fn code(self) -> &'static str {
        match self {
            Category::Dibao => "dibao",
            Category::Tekun => "tekun",
            Category::TemporaryAssistance => "temporary_assistance",
            Category::LeftBehindChild => "left_behind_child",
            Category::DistressedChild => "distressed_child",
            Category::Orphan => "orphan",
            Category::UnsupportedChild => "unsupported_child",
            Category::ElderlyTekun => "elderly_tekun",
            Category::ElderlyLeftBehind => "elderly_left_behind",
            Category::ElderlyAged => "elderly_aged",
            Category::ElderlyDisabled => "elderly_disabled",
            Category::ElderlyAlone => "elderly_alone",
        }
    }

    /// Parses a code made by [`Category::code`].
    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Name for users, Chinese first.
    pub fn label(self) -> Label {
        let (zh, en) = match self {
            Category::Dibao => ("低保", "low-income"),
            Category::Tekun => ("特困(分散供养)", "extreme poverty"),
            Category::TemporaryAssistance => ("临时救助", "temporary assistance"),
            Category::LeftBehindChild => ("留守儿童", "left-behind child"),
            Category::DistressedChild => ("困境儿童", "distressed child"),
            Category::Orphan => ("孤儿", "orphan"),
            Category::UnsupportedChild => ("事实无人抚养儿童", "de-facto unsupported child"),
            Category::ElderlyTekun => ("特困老人", "extreme-poverty elderly"),
            Category::ElderlyLeftBehind => ("留守老人", "left-behind elderly"),
            Category::ElderlyAged => ("高龄老人", "elderly 80+"),
            Category::ElderlyDisabled => ("失能老人", "disabled elderly"),
            Category::ElderlyAlone => ("独居/空巢老人", "elderly living alone"),
        };
        Label {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// A household member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Name.
    pub name: String,
    /// Relation to the head of household (户主, 子女, 孙子女 …).
    pub relation: String,
    /// Birth date, if known.
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
}

/// A household on a worker's caseload. Everything but `id` is personal data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Household {
    /// Stable id assigned by the server.
    pub id: String,
    /// Village (org unit) id.
    pub village_id: String,
    /// Head of household or the person supported.
    pub head_name: String,
    /// Resident ID number (身份证号); shown masked.
    pub id_number: String,
    /// Address.
    pub address: String,
    /// Categories with the date each was registered.
    pub categories: Vec<CategoryRegistration>,
    /// Registered location of the home, if surveyed.
    #[serde(default)]
    pub location: Option<GeoPoint>,
    /// Members.
    #[serde(default)]
    pub members: Vec<Member>,
}

/// A category and the date the household entered it (the first visit is due then).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CategoryRegistration {
    /// Category.
    pub category: Category,
    /// Registration date.
    pub since: NaiveDate,
}

/// Masks an ID number for lists and exports: keeps the first 4 and last 4 characters.
pub fn mask_id_number(id: &str) -> String {
    let n = id.chars().count();
    if n <= 8 {
        return "*".repeat(n);
    }
    // Reports mask a whole county's overdue list: one allocation each.
    let mut out = String::with_capacity(id.len());
    for (i, c) in id.chars().enumerate() {
        out.push(if i < 4 || i >= n - 4 { c } else { '*' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_domain_rule() {
        assert_eq!(mask_id_number("320102198001011234"), "3201**********1234");
        assert_eq!(mask_id_number("1234"), "****");
    }

    #[test]
    fn category_codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
            let json = serde_json::to_string(&c).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", c.code()));
        }
    }
}
