//! The ollama routes.

use super::route::Found;

pub(crate) fn route(_segments: &[&str]) -> Found {
    Found::Nothing
}
