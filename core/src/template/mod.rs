//! Checklist templates: the JSON format, loading with precise errors, answer validation, visibility,
//! computed values and scoring. `TEMPLATES.md` documents the format.

mod answer;
pub mod builtin;
mod check;
mod condition;
mod cycles;
mod error;
mod eval;
mod expr;
mod facts;
mod index;
mod investigators;
mod load;
mod model;
mod validate;

pub use answer::{AnswerValue, Answers};
pub use condition::{CompareOp, Condition};
pub use error::{AnswerError, TemplateError};
pub use eval::{Evaluation, ScoreResult, evaluate};
pub use expr::Expr;
pub use facts::{Facts, LOW_INCOME_STANDARD, PREVIOUS, carried_items};
pub use investigators::{
    Investigator, SAME_PERSON_TWICE, VISIT_INVESTIGATORS, people_of_visit, resolve_staff,
    same_person_twice, typed_investigators,
};
pub use load::load_template;
pub use model::{
    ChoiceOption, Computed, Constant, Item, ItemKind, Label, Level, Rule, Score, Section,
    TEMPLATE_FORMAT, Template, VisitKind,
};
pub use validate::{ItemPath, check_complete, find_item, parse_answer, parse_value};
#[cfg(test)]
mod tests;
