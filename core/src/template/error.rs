use thiserror::Error;

/// A template that cannot be loaded, naming the item (or section, score) and the problem.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum TemplateError {
    /// Not valid JSON, or a value of the wrong JSON type.
    #[error("template is not valid: {reason}")]
    Json {
        /// Parser message with line and column (typed values redacted).
        reason: String,
    },
    /// The `format` is not one this build reads.
    #[error("template format {found} is not supported; this build reads format {supported}")]
    UnsupportedFormat {
        /// Found.
        found: u64,
        /// Supported.
        supported: u32,
    },
    /// An item has no id, or no type.
    #[error("item {item}: missing `{field}`")]
    MissingField {
        /// Item id, or its position when it has none.
        item: String,
        /// The missing field.
        field: &'static str,
    },
    /// An item type this build does not know.
    #[error("item {item}: unknown type `{type_name}`")]
    UnknownType {
        /// Item id.
        item: String,
        /// The type given.
        type_name: String,
    },
    /// A parameter that the item's type does not have (often a typo).
    #[error("item {item}: unknown field `{field}` for its type")]
    UnknownField {
        /// Item id.
        item: String,
        /// The field.
        field: String,
    },
    /// An expression reads a fact this build does not know.
    #[error("{item}: unknown fact `{fact}`")]
    UnknownFact {
        /// Where the expression is.
        item: String,
        /// The fact named.
        fact: String,
    },
    /// Two items, computed values, sections or scores share an id.
    #[error("duplicate id `{id}`")]
    DuplicateId {
        /// The id.
        id: String,
    },
    /// A condition or expression names something that does not exist in its scope.
    #[error("{item}: refers to `{reference}`, which does not exist here")]
    MissingReference {
        /// Where the reference is.
        item: String,
        /// What it names.
        reference: String,
    },
    /// A condition names an option that the choice item does not have.
    #[error("{item}: option `{option}` does not exist in item `{target}`")]
    UnknownOption {
        /// Where the condition is.
        item: String,
        /// The choice item.
        target: String,
        /// The option named.
        option: String,
    },
    /// Items or computed values that depend on each other in a circle.
    #[error("circular dependency: {}", path.join(" → "))]
    Cycle {
        /// The ids in the circle, first repeated at the end.
        path: Vec<String>,
    },
    /// A range, count or length that cannot be satisfied.
    #[error("item {item}: bad range: {reason}")]
    BadRange {
        /// Item id.
        item: String,
        /// What is wrong.
        reason: String,
    },
    /// A choice item with no options or repeated option values.
    #[error("item {item}: bad options: {reason}")]
    BadOptions {
        /// Item id.
        item: String,
        /// What is wrong.
        reason: String,
    },
    /// A score whose levels or rules do not fit together.
    #[error("score {score}: {reason}")]
    BadScore {
        /// Score id.
        score: String,
        /// What is wrong.
        reason: String,
    },
    /// Something about the template as a whole.
    #[error("template: {reason}")]
    Invalid {
        /// What is wrong.
        reason: String,
    },
}

/// An answer or a visit that does not satisfy its template. Never carries the answer itself.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AnswerError {
    /// No such item in the template.
    #[error("item {item}: no such item in this template")]
    UnknownItem {
        /// Item path.
        item: String,
    },
    /// The JSON given does not fit the item's type.
    #[error("item {item}: expected {expected}")]
    WrongType {
        /// Item path.
        item: String,
        /// What the type wants.
        expected: &'static str,
    },
    /// A value outside what the item accepts: a number beyond its range, or one person entered
    /// twice among the investigators.
    #[error("item {item}: {reason}")]
    OutOfRange {
        /// Item path.
        item: String,
        /// The bound that was broken.
        reason: String,
    },
    /// An option value the item does not offer (for investigators: a staff id not on the
    /// station's staff list).
    #[error("item {item}: not one of the item's options")]
    UnknownOption {
        /// Item path.
        item: String,
    },
    /// An exclusive option combined with others.
    #[error("item {item}: option `{option}` cannot be combined with other options")]
    ExclusiveOption {
        /// Item path.
        item: String,
        /// The exclusive option.
        option: String,
    },
    /// Text longer than allowed.
    #[error("item {item}: longer than {max} characters")]
    TooLong {
        /// Item path.
        item: String,
        /// Maximum.
        max: u32,
    },
    /// A required, visible item has no answer.
    #[error("item {item}: required")]
    Required {
        /// Item path.
        item: String,
    },
    /// Too few or too many photos or repeat instances.
    #[error("item {item}: needs {min} to {max}, has {found}")]
    Count {
        /// Item path.
        item: String,
        /// Fewest.
        min: u32,
        /// Most.
        max: u32,
        /// Present.
        found: usize,
    },
    /// Photo items are answered by attaching photos, not by value.
    #[error("item {item}: attach photos to answer this item")]
    PhotoItem {
        /// Item path.
        item: String,
    },
    /// A repeat instance index that does not exist.
    #[error("item {item}: no instance {index} (the group has {len})")]
    NoInstance {
        /// Group path.
        item: String,
        /// Index asked for.
        index: usize,
        /// Instances present.
        len: usize,
    },
    /// A path that is not `item` or `group[n].item`.
    #[error("`{path}` is not an item path (use `item` or `group[n].item`)")]
    BadPath {
        /// The path.
        path: String,
    },
    /// Fewer investigators than the template requires.
    #[error("at least {required} different investigators must be recorded, {found} are")]
    Investigators {
        /// Required.
        required: u32,
        /// Recorded.
        found: usize,
    },
    /// An override of a score that does not allow it, or to an unknown level.
    #[error("score {score}: {reason}")]
    Override {
        /// Score id.
        score: String,
        /// What is wrong.
        reason: &'static str,
    },
}
