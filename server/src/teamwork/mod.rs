//! Teamwork on issues for the JSON API and the pages alike: who may delete a comment, and the
//! `assignee:` search terms, resolved against the caller and the users before any SQL is built.
//! Assignments and comments themselves are stored by [`crate::storage::Store`].

pub mod search;

use domain::access::{Caller, Role};

use crate::storage::Author;

/// The caller as a comment's author: admins (acting as admins) may delete anyone's comment.
pub fn author(caller: &Caller) -> Author {
    Author {
        id: caller.user.id,
        admin: caller.role >= Role::Admin,
    }
}
