//! Typed per-socket state that stays on this server, allocated only when used.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use parking_lot::RwLock;

type Map = HashMap<TypeId, Box<dyn Any + Send + Sync>>;

/// A map from type to value, one value per type: Rust state attached to a socket that is not
/// serialized (for state other servers may read, use `socket.data`).
#[derive(Default)]
pub struct Extensions {
    map: RwLock<Option<Box<Map>>>,
}

impl Extensions {
    /// Stores a value, returning the previous one of that type.
    pub fn insert<T: Send + Sync + 'static>(&self, value: T) -> Option<T> {
        let mut guard = self.map.write();
        let map = guard.get_or_insert_with(Default::default);
        map.insert(TypeId::of::<T>(), Box::new(value))
            .and_then(|old| old.downcast::<T>().ok().map(|b| *b))
    }

    /// A clone of the value of that type.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        let guard = self.map.read();
        guard
            .as_ref()?
            .get(&TypeId::of::<T>())?
            .downcast_ref::<T>()
            .cloned()
    }

    /// Removes the value of that type.
    pub fn remove<T: Send + Sync + 'static>(&self) -> Option<T> {
        let mut guard = self.map.write();
        guard
            .as_mut()?
            .remove(&TypeId::of::<T>())
            .and_then(|old| old.downcast::<T>().ok().map(|b| *b))
    }

    /// Changes the value of that type in place (inserting `T::default()` first if absent).
    pub fn update<T: Default + Send + Sync + 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = self.map.write();
        let map = guard.get_or_insert_with(Default::default);
        let entry = map
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        match entry.downcast_mut::<T>() {
            Some(value) => f(value),
            // Unreachable: the entry of `TypeId::of::<T>()` always holds a `T`.
            None => f(&mut T::default()),
        }
    }
}

impl std::fmt::Debug for Extensions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Extensions")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values() {
        let ext = Extensions::default();
        assert_eq!(ext.get::<u32>(), None);
        assert_eq!(ext.insert(5u32), None);
        assert_eq!(ext.insert(6u32), Some(5));
        ext.insert(String::from("x"));
        assert_eq!(ext.get::<u32>(), Some(6));
        assert_eq!(
            ext.update::<Vec<u8>, _>(|v| {
                v.push(1);
                v.len()
            }),
            1
        );
        assert_eq!(ext.get::<Vec<u8>>(), Some(vec![1]));
        assert_eq!(ext.remove::<String>(), Some("x".into()));
    }
}
