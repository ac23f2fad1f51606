//! A decrypted assessment laid out by its own template: sections and questions with the template's
//! labels in the reader's language, answers as words (choice labels, yes/no), repeat groups as
//! instances, computed values, and each score with its level, the rules that fired and any
//! override. Photos become references; restricted ones (injuries) wait behind a reveal.

use fieldvisit_core::protocol::VisitContent;
use fieldvisit_core::template::{AnswerValue, Item, ItemKind, Label, Template};

use super::i18n::Msgs;

/// A photo in the assessment.
#[derive(Debug, Clone)]
pub struct PhotoRef {
    /// Photo id.
    pub photo_id: String,
    /// Restricted evidence (injuries): shown only after a reveal.
    pub restricted: bool,
}

/// One answered (or unanswered) question.
#[derive(Debug, Clone)]
pub struct AnswerLine {
    /// The question.
    pub label: String,
    /// The answer in words; empty when it is photos or a group.
    pub text: String,
    /// Photos answering it.
    pub photos: Vec<PhotoRef>,
    /// Instances of a repeat group, each a list of lines.
    pub instances: Vec<Vec<AnswerLine>>,
    /// Not answered.
    pub missing: bool,
}

/// A section of the template.
#[derive(Debug, Clone)]
pub struct SectionView {
    /// Its title.
    pub title: String,
    /// Its questions.
    pub lines: Vec<AnswerLine>,
}

/// A computed value.
#[derive(Debug, Clone)]
pub struct ComputedLine {
    /// Its name.
    pub label: String,
    /// Its value.
    pub value: String,
}

/// A score's outcome.
#[derive(Debug, Clone)]
pub struct ScoreView {
    /// The score's name.
    pub label: String,
    /// Level the rules gave.
    pub computed_level: String,
    /// Level in force.
    pub level: String,
    /// Level id in force (`HIGH`, …), for styling.
    pub level_id: String,
    /// The rules that fired, in words.
    pub fired: Vec<String>,
    /// The worker's reason when they overrode the computed level.
    pub override_reason: Option<String>,
}

/// The whole assessment.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    /// Template title.
    pub title: String,
    /// Sections with answers.
    pub sections: Vec<SectionView>,
    /// Computed values.
    pub computed: Vec<ComputedLine>,
    /// Scores.
    pub scores: Vec<ScoreView>,
    /// Investigators present.
    pub investigators: Vec<String>,
    /// Free notes.
    pub notes: String,
}

fn say(l: &Label, t: &Msgs) -> String {
    if t.is_zh() {
        l.zh.clone()
    } else {
        l.en.clone()
    }
}

fn option_label(kind: &ItemKind, value: &str, t: &Msgs) -> String {
    let options = match kind {
        ItemKind::SingleChoice { options } | ItemKind::MultiChoice { options, .. } => options,
        _ => return value.to_owned(),
    };
    options
        .iter()
        .find(|o| o.value == value)
        .map_or_else(|| value.to_owned(), |o| say(&o.label, t))
}

fn unit_of(kind: &ItemKind, t: &Msgs) -> String {
    match kind {
        ItemKind::Integer { unit: Some(u), .. } | ItemKind::Decimal { unit: Some(u), .. } => {
            format!(" {}", say(u, t))
        }
        _ => String::new(),
    }
}

fn line(
    item: &Item,
    answer: Option<&AnswerValue>,
    restricted: &dyn Fn(&Item) -> bool,
    t: &Msgs,
) -> AnswerLine {
    let mut l = AnswerLine {
        label: say(&item.label, t),
        text: String::new(),
        photos: Vec::new(),
        instances: Vec::new(),
        missing: answer.is_none(),
    };
    let Some(a) = answer else { return l };
    match a {
        AnswerValue::Bool(b) => l.text = if *b { t.yes } else { t.no }.to_owned(),
        AnswerValue::Choice(v) => l.text = option_label(&item.kind, v, t),
        AnswerValue::Choices(vs) => {
            l.text = vs
                .iter()
                .map(|v| option_label(&item.kind, v, t))
                .collect::<Vec<_>>()
                .join("、");
        }
        AnswerValue::Integer(n) => l.text = format!("{n}{}", unit_of(&item.kind, t)),
        AnswerValue::Decimal(x) => l.text = format!("{x}{}", unit_of(&item.kind, t)),
        AnswerValue::Text(s) => l.text = s.clone(),
        AnswerValue::Date(d) => l.text = d.format("%Y-%m-%d").to_string(),
        AnswerValue::Photos(ids) => {
            let r = restricted(item);
            l.photos = ids
                .iter()
                .map(|id| PhotoRef {
                    photo_id: id.clone(),
                    restricted: r,
                })
                .collect();
        }
        AnswerValue::Repeat(instances) => {
            if let ItemKind::Repeat { items, .. } = &item.kind {
                l.instances = instances
                    .iter()
                    .map(|inst| {
                        items
                            .iter()
                            .filter(|i| inst.contains_key(&i.id))
                            .map(|i| line(i, inst.get(&i.id), restricted, t))
                            .collect()
                    })
                    .collect();
            }
        }
        AnswerValue::Investigators(people) => {
            l.text = people
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("、");
        }
        AnswerValue::Signature { signer, image } => {
            l.text = signer.clone();
            if let Some(id) = image {
                l.photos.push(PhotoRef {
                    photo_id: id.clone(),
                    restricted: false,
                });
            }
        }
    }
    l
}

fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "–".into(),
        other => other.to_string(),
    }
}

/// Restricted photo purposes end in `_restricted` (injury evidence).
fn is_restricted(item: &Item) -> bool {
    matches!(&item.kind, ItemKind::Photo { purpose, .. } if purpose.ends_with("_restricted"))
}

impl AssessmentView {
    /// Lays `content` out by `template`. Unanswered items of hidden sections are left out;
    /// answers the template does not know (an older version) are listed at the end by id.
    pub fn of(template: &Template, content: &VisitContent, t: &Msgs) -> AssessmentView {
        let mut known = std::collections::BTreeSet::new();
        let mut sections: Vec<SectionView> = template
            .sections
            .iter()
            .filter_map(|s| {
                let lines: Vec<AnswerLine> = s
                    .items
                    .iter()
                    .inspect(|i| {
                        known.insert(i.id.clone());
                    })
                    .map(|i| line(i, content.answers.get(&i.id), &is_restricted, t))
                    .collect();
                lines.iter().any(|l| !l.missing).then(|| SectionView {
                    title: say(&s.title, t),
                    lines,
                })
            })
            .collect();
        let unknown: Vec<AnswerLine> = content
            .answers
            .iter()
            .filter(|(id, _)| !known.contains(*id))
            .map(|(id, a)| AnswerLine {
                label: id.clone(),
                text: match a {
                    AnswerValue::Text(s) => s.clone(),
                    other => serde_json::to_string(other).unwrap_or_default(),
                },
                photos: Vec::new(),
                instances: Vec::new(),
                missing: false,
            })
            .collect();
        if !unknown.is_empty() {
            sections.push(SectionView {
                title: t.unknown.to_owned(),
                lines: unknown,
            });
        }
        let computed = content
            .computed
            .iter()
            .map(|(id, v)| ComputedLine {
                label: template
                    .computed
                    .iter()
                    .find(|c| &c.id == id)
                    .map_or_else(|| id.clone(), |c| say(&c.label, t)),
                value: value_text(v),
            })
            .collect();
        let scores = content
            .scores
            .iter()
            .map(|o| {
                let score = template.scores.iter().find(|s| s.id == o.score);
                let level_name = |id: &str| {
                    score
                        .and_then(|s| s.levels.iter().find(|l| l.id == id))
                        .map_or_else(|| id.to_owned(), |l| say(&l.label, t))
                };
                ScoreView {
                    label: score.map_or_else(|| o.score.clone(), |s| say(&s.label, t)),
                    computed_level: level_name(&o.computed_level),
                    level: level_name(&o.level),
                    level_id: o.level.clone(),
                    fired: o
                        .fired
                        .iter()
                        .map(|r| {
                            score
                                .and_then(|s| s.rules.iter().find(|x| &x.id == r))
                                .map_or_else(|| r.clone(), |x| say(&x.label, t))
                        })
                        .collect(),
                    override_reason: o.override_reason.clone(),
                }
            })
            .collect();
        AssessmentView {
            title: say(&template.title, t),
            sections,
            computed,
            scores,
            investigators: content.investigators.clone(),
            notes: content.notes.clone(),
        }
    }

    /// Every photo of the assessment, restricted or not.
    pub fn photos(&self) -> Vec<&PhotoRef> {
        fn walk<'a>(lines: &'a [AnswerLine], out: &mut Vec<&'a PhotoRef>) {
            for l in lines {
                out.extend(l.photos.iter());
                for inst in &l.instances {
                    walk(inst, out);
                }
            }
        }
        let mut out = Vec::new();
        for s in &self.sections {
            walk(&s.lines, &mut out);
        }
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use fieldvisit_core::template::builtin::builtin_templates;
    use fieldvisit_core::template::builtin::sample::{sample_answers, to_answers};

    #[test]
    fn the_child_template_lays_out_answers_with_its_own_labels_and_restricts_injury_photos() {
        let templates = builtin_templates().unwrap();
        let child = templates
            .iter()
            .find(|t| t.id == "child-guardianship")
            .unwrap();
        let answers = to_answers(child, &sample_answers("child-guardianship").unwrap()).unwrap();
        let content = VisitContent {
            answers,
            computed: Default::default(),
            scores: Vec::new(),
            investigators: vec!["王社工".into()],
            notes: "<b>note</b>".into(),
            photos: Vec::new(),
        };
        let v = AssessmentView::of(child, &content, &super::super::messages::ZH);
        assert_eq!(v.title, child.title.zh);
        assert!(!v.sections.is_empty());
        assert_eq!(v.sections[0].title, child.sections[0].title.zh);
        let first = &child.sections[0].items[0];
        assert_eq!(v.sections[0].lines[0].label, first.label.zh);
        for p in v.photos() {
            let restricted_item = child.sections.iter().flat_map(|s| &s.items).any(|i| {
                is_restricted(i)
                    && matches!(content.answers.get(&i.id), Some(AnswerValue::Photos(ids)) if ids.contains(&p.photo_id))
            });
            assert_eq!(p.restricted, restricted_item);
        }
    }
}
