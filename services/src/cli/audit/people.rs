//! Names for the people in a trail: the log records who acted as `Role:user-id` (and payloads
//! name users by id); the data directory's user table says who that is.

use ltc_domain::ids::UserId;

use crate::process::SYSTEM_USER;
use crate::users::UserDirectory;

pub(super) struct People {
    directory: UserDirectory,
}

impl People {
    pub(super) fn new(directory: UserDirectory) -> People {
        People { directory }
    }

    /// An envelope's actor, `Role:user-id`, with the person's name when the table knows them:
    /// `carla (SalesRep:2107…)`.
    pub(super) fn actor(&self, actor: &str) -> String {
        let user = actor.split_once(':').map_or(actor, |(_, user)| user);
        match self.name(user) {
            Some(name) => format!("{name} ({actor})"),
            None => actor.to_owned(),
        }
    }

    /// A user named in a payload: their name, or their id when the table does not know them.
    pub(super) fn user(&self, user: UserId) -> String {
        let id = user.0.to_string();
        self.name(&id).unwrap_or(id)
    }

    fn name(&self, user: &str) -> Option<String> {
        if user == SYSTEM_USER.0.to_string() {
            return Some("automation".to_owned());
        }
        self.directory.find(user).map(|found| found.name.clone())
    }
}
