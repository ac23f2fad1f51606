//! Synthetic people: names from surname and given-name lists, ID numbers with a valid check digit,
//! households of every category with members of fitting ages, placed in the demo villages.

use chrono::{Datelike, NaiveDate};
use fieldvisit_core::caseload::{Category, CategoryRegistration, Household, Member};
use fieldvisit_core::geo::GeoPoint;

use super::dice::Dice;
use super::units::Village;

const SURNAMES: [&str; 30] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
];
const GIVEN_MALE: [&str; 24] = [
    "建", "国", "明", "伟", "强", "军", "志", "文", "海", "永", "春", "德", "福", "杰", "浩", "宇",
    "涛", "斌", "华", "平", "保", "成", "昌", "林",
];
const GIVEN_FEMALE: [&str; 24] = [
    "秀", "英", "兰", "芳", "玉", "梅", "桂", "珍", "丽", "静", "敏", "燕", "霞", "红", "萍", "婷",
    "娟", "琴", "雪", "慧", "凤", "荣", "云", "月",
];

/// The region code the demo's ID numbers start with (a fictitious county).
const REGION: &str = "329125";

/// The order categories are dealt to households: every category appears within the first 17, and
/// over the whole county low-income households, left-behind children and elderly people dominate,
/// as in a real township.
const CATEGORY_CYCLE: [Category; 20] = [
    Category::Dibao,
    Category::LeftBehindChild,
    Category::ElderlyAlone,
    Category::Dibao,
    Category::Tekun,
    Category::ElderlyAged,
    Category::LeftBehindChild,
    Category::DistressedChild,
    Category::ElderlyLeftBehind,
    Category::Dibao,
    Category::TemporaryAssistance,
    Category::ElderlyDisabled,
    Category::Orphan,
    Category::ElderlyTekun,
    Category::Dibao,
    Category::LeftBehindChild,
    Category::UnsupportedChild,
    Category::ElderlyAlone,
    Category::Tekun,
    Category::ElderlyAged,
];

/// The category of household `i`.
pub fn category_of(i: usize) -> Category {
    CATEGORY_CYCLE[i % CATEGORY_CYCLE.len()]
}

/// A synthetic full name.
pub fn name(d: &mut Dice, female: bool) -> String {
    let given: &[&str] = if female { &GIVEN_FEMALE } else { &GIVEN_MALE };
    let mut s = String::from(*d.pick(&SURNAMES));
    let first: &str = d.pick::<&str>(given);
    s.push_str(first);
    if d.chance(0.7) {
        let second: &str = d.pick::<&str>(given);
        s.push_str(second);
    }
    s
}

/// A given name under an existing surname (a child of the family).
fn with_surname(d: &mut Dice, surname: &str, female: bool) -> String {
    let given: &[&str] = if female { &GIVEN_FEMALE } else { &GIVEN_MALE };
    format!("{surname}{}{}", d.pick(given), d.pick(given))
}

/// An 18-character resident ID number (GB 11643) with a valid ISO 7064 MOD 11-2 check character.
pub fn id_number(birth: NaiveDate, serial: u32, female: bool) -> String {
    // The last digit of the sequence code is odd for men, even for women.
    let seq = (serial % 500) * 2 + u32::from(!female);
    let body = format!("{REGION}{}{:03}", birth.format("%Y%m%d"), seq % 1000);
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    format!("{body}{check}")
}

fn birth(d: &mut Dice, anchor: NaiveDate, min_age: i64, max_age: i64) -> NaiveDate {
    let days = d.range(min_age * 365 + 30, max_age * 365 + 300);
    anchor - chrono::Duration::days(days)
}

fn member(name: &str, relation: &str, born: NaiveDate) -> Member {
    Member {
        name: name.into(),
        relation: relation.into(),
        birth_date: Some(born),
    }
}

/// Household `i` of the county, in `village`, registered for its category on `since`.
pub fn household(i: usize, village: &Village, anchor: NaiveDate, since: NaiveDate) -> Household {
    let mut d = Dice::new("household", i as u64);
    let category = category_of(i);
    let female = d.chance(0.5);
    let head = name(&mut d, female);
    let surname: String = head.chars().take(1).collect();
    let (born, members) = match category {
        Category::LeftBehindChild
        | Category::DistressedChild
        | Category::Orphan
        | Category::UnsupportedChild => {
            let born = birth(&mut d, anchor, 4, 14);
            let grandma_female = d.chance(0.7);
            let carer = name(&mut d, grandma_female);
            // Under 70, so that routine visits stay LOW as the plan expects (70+ weighs on the level).
            let carer_born = birth(&mut d, anchor, 56, 69);
            let relation = if grandma_female { "祖母" } else { "祖父" };
            (
                born,
                vec![
                    member(&head, "本人", born),
                    member(&carer, relation, carer_born),
                ],
            )
        }
        Category::ElderlyAged => {
            let born = birth(&mut d, anchor, 80, 92);
            (born, vec![member(&head, "本人", born)])
        }
        Category::ElderlyTekun
        | Category::ElderlyLeftBehind
        | Category::ElderlyDisabled
        | Category::ElderlyAlone
        | Category::Tekun => {
            let born = birth(&mut d, anchor, 62, 79);
            let mut m = vec![member(&head, "本人", born)];
            if matches!(
                category,
                Category::ElderlyLeftBehind | Category::ElderlyDisabled
            ) && d.chance(0.6)
            {
                let spouse = name(&mut d, !female);
                m.push(member(&spouse, "配偶", birth(&mut d, anchor, 62, 80)));
            }
            (born, m)
        }
        Category::Dibao | Category::TemporaryAssistance => {
            let born = birth(&mut d, anchor, 28, 66);
            let mut m = vec![member(&head, "本人", born)];
            if d.chance(0.6) {
                let spouse = name(&mut d, !female);
                m.push(member(&spouse, "配偶", birth(&mut d, anchor, 28, 66)));
            }
            for _ in 0..d.range(0, 2) {
                let girl = d.chance(0.5);
                let child = with_surname(&mut d, &surname, girl);
                m.push(member(&child, "子女", birth(&mut d, anchor, 2, 17)));
            }
            (born, m)
        }
    };
    // Homes lie within about 600 m of the village centre. Six decimals (0.1 m) survive a trip
    // through the store's JSON exactly, so a second run sees the same household.
    let round = |v: f64| (v * 1e6).round() / 1e6;
    let home = GeoPoint {
        lat: round(village.centre.lat + (d.unit() - 0.5) * 0.011),
        lon: round(village.centre.lon + (d.unit() - 0.5) * 0.012),
    };
    Household {
        id: format!("demo-hh-{:04}", i + 1),
        village_id: village.id.into(),
        head_name: head,
        id_number: id_number(born, i as u32, female),
        address: format!(
            "{}{}组{}号",
            village.name,
            d.range(1, 8),
            d.range(1, 60) + i64::from(born.day0())
        ),
        categories: vec![CategoryRegistration { category, since }],
        location: Some(home),
        members,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_carry_the_right_check_character() {
        // The published GB 11643 example.
        let body = "11010519491231002";
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body
            .chars()
            .zip(WEIGHTS)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        assert_eq!(sum % 11, 2); // → 'X'
        let born = NaiveDate::from_ymd_opt(1950, 3, 4).unwrap();
        let id = id_number(born, 7, true);
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("32912519500304"));
        assert_eq!(id[14..17].parse::<u32>().unwrap() % 2, 0);
    }

    #[test]
    fn every_category_appears_and_children_are_children() {
        let anchor = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let v = super::super::units::villages();
        let mut seen = std::collections::HashSet::new();
        for i in 0..20 {
            let h = household(i, &v[i % 9], anchor, anchor);
            let c = h.categories[0].category;
            seen.insert(c);
            let age = (anchor - h.members[0].birth_date.unwrap()).num_days() / 365;
            match c.visit_kind() {
                fieldvisit_core::template::VisitKind::Child => assert!((4..16).contains(&age)),
                fieldvisit_core::template::VisitKind::Elderly => assert!(age >= 62),
                fieldvisit_core::template::VisitKind::Economic => assert!(age >= 28),
            }
            assert!(h.head_name.chars().count() >= 2);
        }
        assert_eq!(seen.len(), Category::ALL.len());
    }
}
