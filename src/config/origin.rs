//! Where each value of a merged configuration was set: a map from JSON Pointers into the merged
//! document to the file and pointer that set them. Only the roots of what a file contributed are
//! recorded (an action, an overridden field); a pointer below resolves through its nearest
//! recorded ancestor, so recording stays proportional to the number of merges, not of values.

use std::collections::BTreeMap;

/// A place in one file of a tenant: its index in `LoadedTenant::files` and a pointer in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: usize,
    pub pointer: String,
}

impl Origin {
    pub fn new(file: usize, pointer: impl Into<String>) -> Self {
        Origin {
            file,
            pointer: pointer.into(),
        }
    }

    /// The origin of a child of this node.
    pub fn child(&self, segment: &str) -> Origin {
        Origin::new(
            self.file,
            format!(
                "{}/{}",
                self.pointer,
                super::yaml_tree::escape_pointer(segment)
            ),
        )
    }
}

/// Merged pointer → origin, plus where each string built from variables was written.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    set_by: BTreeMap<String, Origin>,
    templates: BTreeMap<String, Origin>,
}

impl Origins {
    /// Records that `origin` set the node at `merged` (and everything below it).
    pub fn set(&mut self, merged: &str, origin: Origin) {
        self.remove_below(merged);
        self.set_by.insert(merged.to_string(), origin);
    }

    /// Forgets the node at `merged` and everything below it (an override replaced or removed it).
    pub fn remove_below(&mut self, merged: &str) {
        let stale: Vec<String> = below(&self.set_by, merged).cloned().collect();
        for k in stale {
            self.set_by.remove(&k);
            self.templates.remove(&k);
        }
    }

    /// Copies `other`'s records under `from` to `to` (for a section or entry merged in whole).
    pub fn copy_from(&mut self, other: &Origins, from: &str, to: &str) {
        for k in below(&other.set_by, from) {
            let key = format!("{to}{}", &k[from.len()..]);
            self.set_by.insert(key, other.set_by[k].clone());
        }
        for k in below(&other.templates, from) {
            let key = format!("{to}{}", &k[from.len()..]);
            self.templates.insert(key, other.templates[k].clone());
        }
    }

    /// Moves the node at `from` to `to` (a key that took a variable's value).
    pub fn rename(&mut self, from: &str, to: &str) {
        let moved: Vec<(String, Origin)> = below(&self.set_by, from)
            .map(|k| (format!("{to}{}", &k[from.len()..]), self.set_by[k].clone()))
            .collect();
        let here = self.resolve(from);
        self.remove_below(from);
        self.set_by.insert(to.to_string(), here);
        self.set_by.extend(moved);
    }

    /// Records that the string at `merged`, written at `template`, took a variable's value.
    pub fn set_template(&mut self, merged: &str, template: Origin) {
        self.templates.insert(merged.to_string(), template);
    }

    /// The file and pointer that set the node at `merged`: its nearest recorded ancestor's
    /// origin, with the rest of the pointer appended; the tenant file when none is recorded.
    pub fn resolve(&self, merged: &str) -> Origin {
        let mut p = merged;
        loop {
            if let Some(o) = self.set_by.get(p) {
                return Origin::new(o.file, format!("{}{}", o.pointer, &merged[p.len()..]));
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Origin::new(0, merged),
            }
        }
    }

    /// Where the string at `merged` (or the string it lies in) was written, when a variable's
    /// value was substituted into it.
    pub fn template(&self, merged: &str) -> Option<&Origin> {
        let mut p = merged;
        loop {
            if let Some(o) = self.templates.get(p) {
                return Some(o);
            }
            p = &p[..p.rfind('/')?];
        }
    }
}

/// The keys of `map` at `prefix` or below it (`prefix/...`), not siblings such as `prefix-x`.
fn below<'a, V>(map: &'a BTreeMap<String, V>, prefix: &'a str) -> impl Iterator<Item = &'a String> {
    map.range::<str, _>((
        std::ops::Bound::Included(prefix),
        std::ops::Bound::Unbounded,
    ))
    .map(|(k, _)| k)
    .take_while(move |k| k.starts_with(prefix))
    .filter(move |k| k.len() == prefix.len() || k[prefix.len()..].starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_through_the_nearest_recorded_ancestor() {
        let mut o = Origins::default();
        o.set("/actions/a", Origin::new(1, "/actions/a"));
        o.set("/actions/a/url", Origin::new(0, "/overrides/actions/a/url"));
        assert_eq!(
            o.resolve("/actions/a/claims/0"),
            Origin::new(1, "/actions/a/claims/0")
        );
        assert_eq!(
            o.resolve("/actions/a/url"),
            Origin::new(0, "/overrides/actions/a/url")
        );
        assert_eq!(o.resolve("/flow"), Origin::new(0, "/flow"));
    }

    #[test]
    fn replacing_a_node_forgets_what_was_below_it_but_not_its_siblings() {
        let mut o = Origins::default();
        o.set("/actions/a/when/path", Origin::new(2, "/x"));
        o.set("/actions/a-b", Origin::new(3, "/actions/a-b"));
        o.set("/actions/a", Origin::new(1, "/y"));
        assert_eq!(
            o.resolve("/actions/a/when/path"),
            Origin::new(1, "/y/when/path")
        );
        assert_eq!(o.resolve("/actions/a-b"), Origin::new(3, "/actions/a-b"));
    }
}
