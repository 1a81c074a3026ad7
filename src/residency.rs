//! Residency (SPEC §5.4): the options that bound what is loaded, and the two
//! orders the engine keeps of its ready models — least recently used first
//! (whom to evict) and soonest expiry first (whom to unload when idle) — so
//! that each costs O(log n), however many models there are.

use std::collections::{BTreeMap, HashMap};

/// A load that does not fit: refused, or made room for by evicting idle models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Evict {
    None,
    Lru,
}

impl Evict {
    pub fn as_str(self) -> &'static str {
        match self {
            Evict::None => "none",
            Evict::Lru => "lru",
        }
    }
}

/// `ServerOptions.residency`; every default keeps the behaviour of SPEC §2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Residency {
    /// Models ready + loading at most.
    pub max_loaded: Option<usize>,
    pub evict: Evict,
    /// Seconds an idle model stays ready; negative: never expires.
    pub keep_alive: f64,
    /// Jobs in their timed phases at once; the rest queue.
    pub parallel_loads: Option<usize>,
    /// Queued jobs at most.
    pub max_queue: usize,
}

pub const DEFAULT_MAX_QUEUE: usize = 512;

impl Default for Residency {
    fn default() -> Residency {
        Residency {
            max_loaded: None,
            evict: Evict::None,
            keep_alive: -1.0,
            parallel_loads: None,
            max_queue: DEFAULT_MAX_QUEUE,
        }
    }
}

/// A point in an order: a time (ms; `-inf` for never), then repository order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    pub at: f64,
    pub seq: u64,
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> std::cmp::Ordering {
        self.at.total_cmp(&other.at).then(self.seq.cmp(&other.seq))
    }
}

/// Names in the order of their keys; each name at most once. A key's `seq`
/// is its model's, so keys are unique too.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Order {
    keys: HashMap<String, Key>,
    order: BTreeMap<Key, String>,
}

impl Order {
    /// Puts `name` at `key`, or takes it out with `None`.
    pub fn set(&mut self, name: &str, key: Option<Key>) {
        match (self.keys.get_mut(name), key) {
            (Some(old), Some(key)) if *old == key => {}
            (Some(old), Some(key)) => {
                let name = self.order.remove(old).unwrap_or_else(|| name.to_string());
                *old = key;
                self.order.insert(key, name);
            }
            (Some(_), None) => {
                if let Some(old) = self.keys.remove(name) {
                    self.order.remove(&old);
                }
            }
            (None, Some(key)) => {
                self.keys.insert(name.to_string(), key);
                self.order.insert(key, name.to_string());
            }
            (None, None) => {}
        }
    }

    pub fn first(&self) -> Option<(Key, &str)> {
        self.order.first_key_value().map(|(k, n)| (*k, n.as_str()))
    }

    /// Names in order, first to last.
    pub fn iter(&self) -> impl Iterator<Item = (Key, &str)> {
        self.order.iter().map(|(k, n)| (*k, n.as_str()))
    }

    pub fn get(&self, name: &str) -> Option<Key> {
        self.keys.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_keeps_each_name_once_by_time_then_sequence() {
        let mut o = Order::default();
        o.set("b", Some(Key { at: 5.0, seq: 2 }));
        o.set("a", Some(Key { at: 5.0, seq: 1 }));
        o.set(
            "c",
            Some(Key {
                at: f64::NEG_INFINITY,
                seq: 3,
            }),
        );
        let names: Vec<&str> = o.iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["c", "a", "b"]);
        o.set("c", Some(Key { at: 9.0, seq: 3 }));
        o.set("a", None);
        let names: Vec<&str> = o.iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["b", "c"]);
        assert_eq!(o.first().map(|(k, _)| k.at), Some(5.0));
    }
}
