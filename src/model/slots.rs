//! Reusable slots: work in process (fab lots, packaging batches) and shipments live in
//! a vector whose freed slots are reused, so memory follows what is in flight, not
//! everything that ever was. A slot index travels in the event that completes it.

/// Items in numbered slots; removing frees the slot for the next insert.
#[derive(Debug, Clone)]
pub(super) struct Slots<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            items: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slots<T> {
    /// The slot the next [`insert`](Self::insert) will use.
    pub fn next_slot(&self) -> u32 {
        self.free.last().copied().unwrap_or(self.items.len() as u32)
    }

    /// Stores `item`, returning its slot.
    pub fn insert(&mut self, item: T) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.items[slot as usize] = Some(item);
                slot
            }
            None => {
                self.items.push(Some(item));
                (self.items.len() - 1) as u32
            }
        }
    }

    /// Takes the item out of `slot` (None if the slot is empty).
    pub fn remove(&mut self, slot: u32) -> Option<T> {
        let item = self.items.get_mut(slot as usize)?.take()?;
        self.free.push(slot);
        Some(item)
    }

    /// The items stored, with their slots.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.items
            .iter()
            .enumerate()
            .filter_map(|(slot, item)| item.as_ref().map(|item| (slot as u32, item)))
    }

    /// The items stored, mutably, with their slots.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> {
        self.items
            .iter_mut()
            .enumerate()
            .filter_map(|(slot, item)| item.as_mut().map(|item| (slot as u32, item)))
    }
}

#[cfg(test)]
mod tests {
    use super::Slots;

    #[test]
    fn freed_slots_are_reused() {
        let mut slots = Slots::default();
        let a = slots.insert('a');
        let b = slots.insert('b');
        assert_eq!(slots.remove(a), Some('a'));
        assert_eq!(slots.remove(a), None);
        assert_eq!(slots.next_slot(), a);
        assert_eq!(slots.insert('c'), a);
        let items: Vec<(u32, char)> = slots.iter().map(|(s, &c)| (s, c)).collect();
        assert_eq!(items, vec![(a, 'c'), (b, 'b')]);
    }
}
