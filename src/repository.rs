//! The model repository (SPEC §5.1): every model the server knows, in
//! repository order (the catalog's, then each new model's first admission),
//! with what the server keeps of each. A model's state is not stored here:
//! the engine derives it from the library (ready) and the loader (an active
//! job), so that each fact has one home.

use crate::model::ModelSpec;
use indexmap::IndexMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub spec: ModelSpec,
    pub pinned: bool,
    /// The keep-alive of its latest `hot_load` / `load_model` (seconds;
    /// negative: never), else the server's option.
    pub keep_alive: Option<f64>,
    /// When the model last became ready or was selected (ms), if ever.
    pub last_used: Option<f64>,
    pub last_error: Option<String>,
    /// When its files last changed (ms): the server's start for the catalog,
    /// else the admission, then the success, of its pull or hot_load.
    pub modified: f64,
    /// Known only through its first job, still active: if that job fails or
    /// is cancelled, the model leaves the repository as if never known.
    pub provisional: bool,
    /// Its place in repository order, for ties (set by the repository).
    pub seq: u64,
}

impl Entry {
    pub fn new(spec: ModelSpec, provisional: bool, modified: f64) -> Entry {
        Entry {
            spec,
            pinned: false,
            keep_alive: None,
            last_used: None,
            last_error: None,
            modified,
            provisional,
            seq: 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Repository {
    entries: IndexMap<String, Entry>,
    next_seq: u64,
}

impl Repository {
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Entry> {
        self.entries.get_mut(name)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// Adds a model at the end of repository order (a known name keeps its place).
    pub fn insert(&mut self, name: String, mut entry: Entry) {
        entry.seq = match self.entries.get(&name) {
            Some(known) => known.seq,
            None => {
                self.next_seq += 1;
                self.next_seq
            }
        };
        self.entries.insert(name, entry);
    }

    /// Removes a model, keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Entry> {
        self.entries.shift_remove(name)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter()
    }

    pub fn names(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
