//! Dependency cycles across the whole template. Template-level ids and the ids of each repeat group
//! (named `group.id`) form one graph, so a loop that runs through a group (a total summed over
//! members whose share reads the total) is found at load time instead of overflowing at evaluation.

use std::collections::HashMap;

use super::index::{Def, Scope};
use super::{Condition, Expr, ItemKind, Template, TemplateError};

struct Graph<'a> {
    top: &'a Scope<'a>,
    groups: &'a HashMap<&'a str, Scope<'a>>,
}

impl Graph<'_> {
    /// The graph node an id names, looked up in the group first.
    fn resolve(&self, id: &str, group: Option<&str>) -> Option<String> {
        if let Some(g) = group
            && self.groups.get(g).is_some_and(|s| s.defs.contains_key(id))
        {
            return Some(format!("{g}.{id}"));
        }
        self.top.defs.contains_key(id).then(|| id.to_string())
    }

    fn deps(&self, def: Def<'_>, group: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        match def {
            Def::Item(d) => {
                for c in d.item.visible_if.iter().chain(d.section_visible_if) {
                    self.condition(c, group, &mut out);
                }
            }
            Def::Computed(c) => self.expr(&c.expr, group, &mut out),
        }
        out
    }

    fn push(&self, id: &str, group: Option<&str>, out: &mut Vec<String>) {
        out.extend(self.resolve(id, group));
    }

    fn condition(&self, c: &Condition, group: Option<&str>, out: &mut Vec<String>) {
        match c {
            Condition::Equals { item, .. }
            | Condition::AnyOf { item, .. }
            | Condition::Answered { item } => self.push(item, group, out),
            Condition::Compare { left, right, .. } => {
                self.expr(left, group, out);
                self.expr(right, group, out);
            }
            Condition::Not(inner) => self.condition(inner, group, out),
            Condition::All(cs) | Condition::Any(cs) => {
                cs.iter().for_each(|c| self.condition(c, group, out))
            }
        }
    }

    fn expr(&self, e: &Expr, group: Option<&str>, out: &mut Vec<String>) {
        match e {
            Expr::Ref(id) | Expr::CountSelected(id) => self.push(id, group, out),
            Expr::Const(_) | Expr::Fact(_) => {}
            Expr::Add(xs) | Expr::Mul(xs) => xs.iter().for_each(|x| self.expr(x, group, out)),
            Expr::Sub(a, b) | Expr::Div(a, b) => {
                self.expr(a, group, out);
                self.expr(b, group, out);
            }
            Expr::Count { group: g, when } => {
                self.push(g, None, out);
                if let Some(c) = when {
                    self.condition(c, Some(g), out);
                }
            }
            Expr::SumOver { group: g, expr } => {
                self.push(g, None, out);
                self.expr(expr, Some(g), out);
            }
            Expr::CountEqual { items, .. } => items.iter().for_each(|i| self.push(i, group, out)),
            Expr::AgeYears(x) => self.expr(x, group, out),
            Expr::If {
                when,
                then,
                otherwise,
            } => {
                self.condition(when, group, out);
                self.expr(then, group, out);
                self.expr(otherwise, group, out);
            }
        }
    }
}

/// Fails with the ids of the first circle found, in document order.
pub(crate) fn check_cycles(t: &Template) -> Result<(), TemplateError> {
    let top = Scope::of_template(t)?;
    let mut groups = HashMap::new();
    for id in &top.order {
        if let Some(item) = top.item(id)
            && matches!(item.kind, ItemKind::Repeat { .. })
        {
            groups.insert(*id, Scope::of_group(item)?);
        }
    }
    let g = Graph {
        top: &top,
        groups: &groups,
    };
    let mut order = Vec::new();
    let mut edges: HashMap<String, Vec<String>> = HashMap::new();
    for id in &top.order {
        if let Some(def) = top.defs.get(id) {
            order.push(id.to_string());
            edges.insert(id.to_string(), g.deps(*def, None));
        }
        if let Some(scope) = groups.get(id) {
            for child in &scope.order {
                if let Some(def) = scope.defs.get(child) {
                    let node = format!("{id}.{child}");
                    edges.insert(node.clone(), g.deps(*def, Some(id)));
                    order.push(node);
                }
            }
        }
    }
    let mut marks: HashMap<String, bool> = HashMap::new(); // false = on the path, true = done
    for node in &order {
        visit(node, &edges, &mut marks, &mut Vec::new())?;
    }
    Ok(())
}

fn visit(
    node: &str,
    edges: &HashMap<String, Vec<String>>,
    marks: &mut HashMap<String, bool>,
    path: &mut Vec<String>,
) -> Result<(), TemplateError> {
    match marks.get(node) {
        Some(true) => return Ok(()),
        Some(false) => {
            let start = path.iter().position(|p| p == node).unwrap_or(0);
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_string());
            return Err(TemplateError::Cycle { path: cycle });
        }
        None => {}
    }
    marks.insert(node.to_string(), false);
    path.push(node.to_string());
    for dep in edges.get(node).into_iter().flatten() {
        visit(dep, edges, marks, path)?;
    }
    path.pop();
    marks.insert(node.to_string(), true);
    Ok(())
}
