import type { AssetType } from '../../packages/contracts/src/index.ts';

/**
 * Words for a believable catalog: every name is a modifier + an item that fits its category, so a search
 * for "knight helm" or "messy bob" finds what a person would expect, in realistic proportions.
 */
export interface TypeVocabulary {
  modifiers: readonly string[];
  /** Items per category; the categories are exactly the type's (`categoriesByType`). */
  items: Readonly<Record<string, readonly string[]>>;
  /** How often this type appears in the catalog, relative to the others. */
  weight: number;
}

const colors = ['Crimson', 'Azure', 'Golden', 'Silver', 'Obsidian', 'Ivory', 'Emerald', 'Violet', 'Amber'];

export const vocabulary: Record<AssetType, TypeVocabulary> = {
  base_model: {
    modifiers: ['Athletic', 'Slim', 'Stocky', 'Tall', 'Petite', 'Muscular', 'Chibi', 'Lanky', 'Ancient'],
    items: {
      humanoid: ['Human Body', 'Elf Body', 'Dwarf Body', 'Orc Body', 'Teen Body', 'Adult Body'],
      creature: ['Wolf', 'Dragon', 'Goblin', 'Fox Spirit', 'Troll', 'Griffin', 'Slime'],
      robot: ['Android', 'Mech Pilot', 'Service Bot', 'Battle Droid', 'Cyborg Frame'],
    },
    weight: 2,
  },
  hair: {
    modifiers: ['Messy', 'Sleek', 'Curly', 'Wavy', 'Spiky', 'Braided', 'Shaggy', 'Tousled', ...colors],
    items: {
      short: ['Short Bob', 'Pixie Cut', 'Undercut', 'Buzz Cut', 'Crew Cut', 'Faux Hawk', 'Quiff', 'Afro'],
      long: ['Ponytail', 'Long Waves', 'Twin Braids', 'High Bun', 'Dreadlocks', 'Side Swept Mane'],
      facial: ['Full Beard', 'Goatee', 'Handlebar Moustache', 'Stubble', 'Mutton Chops', 'Van Dyke'],
    },
    weight: 18,
  },
  top: {
    modifiers: ['Vintage', 'Oversized', 'Cropped', 'Ragged', 'Royal', 'Tactical', 'Cozy', 'Neon', ...colors],
    items: {
      casual: ['Hoodie', 'Denim Jacket', 'Flannel Shirt', 'Graphic Tee', 'Knit Sweater', 'Tank Top'],
      formal: ['Tuxedo Jacket', 'Silk Blouse', 'Waistcoat', 'Dress Shirt', 'Blazer'],
      fantasy: ['Knight Chestplate', 'Wizard Robe', 'Ranger Tunic', 'Pirate Coat', 'Elven Cloak'],
      sport: ['Football Jersey', 'Track Jacket', 'Running Vest', 'Basketball Top'],
      scifi: ['Space Suit Torso', 'Cyber Jacket', 'Power Armor Chest', 'Pilot Harness'],
    },
    weight: 20,
  },
  bottom: {
    modifiers: ['Ripped', 'Pleated', 'Baggy', 'Slim', 'Tactical', 'Patched', 'Flared', ...colors],
    items: {
      casual: ['Jeans', 'Cargo Shorts', 'Joggers', 'Denim Skirt', 'Chinos'],
      formal: ['Suit Trousers', 'Pencil Skirt', 'Dress Slacks'],
      fantasy: ['Knight Greaves', 'Leather Leggings', 'Kilt', 'Sorcerer Skirt'],
      sport: ['Track Pants', 'Running Shorts', 'Yoga Leggings'],
      scifi: ['Flight Pants', 'Exo Legguards', 'Cyber Cargo'],
    },
    weight: 16,
  },
  shoes: {
    modifiers: ['Worn', 'Polished', 'Chunky', 'Studded', 'Winged', 'Muddy', 'Glowing', ...colors],
    items: {
      casual: ['Sneakers', 'Canvas Shoes', 'Slip Ons', 'Sandals'],
      formal: ['Oxford Shoes', 'High Heels', 'Loafers'],
      fantasy: ['Leather Boots', 'Knight Sabatons', 'Elven Slippers'],
      sport: ['Running Shoes', 'Football Boots', 'High Tops'],
      scifi: ['Mag Boots', 'Hover Boots', 'Cyber Sneakers'],
    },
    weight: 12,
  },
  accessory: {
    modifiers: ['Crimson', 'Golden', 'Rusty', 'Jeweled', 'Enchanted', 'Battered', 'Tiny', 'Ornate', 'Cyber'],
    items: {
      headwear: ['Knight Helmet', 'Wizard Hat', 'Baseball Cap', 'Beanie', 'Crown', 'Cowboy Hat'],
      eyewear: ['Aviator Glasses', 'Monocle', 'Visor', 'Round Glasses', 'Eye Patch'],
      jewelry: ['Necklace', 'Earrings', 'Signet Ring', 'Bracelet', 'Amulet'],
      back: ['Backpack', 'Angel Wings', 'Quiver', 'Cape', 'Jetpack'],
      handheld: ['Longsword', 'Magic Staff', 'Shield', 'Lantern', 'Umbrella', 'Guitar'],
    },
    weight: 22,
  },
  animation: {
    modifiers: ['Relaxed', 'Energetic', 'Tired', 'Heroic', 'Sneaky', 'Happy', 'Angry', 'Smooth'],
    items: {
      idle: ['Idle Breathing', 'Idle Look Around', 'Idle Stretch'],
      locomotion: ['Walk Cycle', 'Run Cycle', 'Jump', 'Crouch Walk', 'Swim'],
      emote: ['Wave', 'Dance', 'Clap', 'Bow', 'Laugh', 'Salute'],
      combat: ['Sword Slash', 'Punch Combo', 'Block', 'Dodge Roll', 'Spell Cast'],
    },
    weight: 6,
  },
  texture: {
    modifiers: ['Weathered', 'Smooth', 'Freckled', 'Scaled', 'Woven', 'Faded', 'Tiger', ...colors],
    items: {
      skin: ['Skin Tone', 'Tattoo Sleeve', 'Freckles', 'War Paint'],
      fabric: ['Denim Weave', 'Silk Sheen', 'Wool Knit', 'Leather Grain'],
      pattern: ['Camo', 'Plaid', 'Polka Dots', 'Stripes', 'Floral'],
    },
    weight: 4,
  },
};

/** About sixty tags, most popular first: the seeder draws them with a Zipf-like skew. */
export const tagsByPopularity = [
  'stylized',
  'lowpoly',
  'casual',
  'fantasy',
  'rigged',
  'pbr',
  'unisex',
  'starter',
  'medieval',
  'scifi',
  'cute',
  'realistic',
  'dark',
  'colorful',
  'streetwear',
  'leather',
  'metal',
  'cartoon',
  'anime',
  'vintage',
  'premium',
  'free',
  'winter',
  'summer',
  'cyberpunk',
  'gothic',
  'royal',
  'military',
  'fabric',
  'animated',
  'knight',
  'wizard',
  'pirate',
  'elf',
  'robot',
  'animal',
  'punk',
  'steampunk',
  'ninja',
  'samurai',
  'tribal',
  'neon',
  'pastel',
  'gold',
  'silver',
  'glowing',
  'fur',
  'denim',
  'silk',
  'spooky',
  'halloween',
  'holiday',
  'festive',
  'beach',
  'sporty',
  'formal',
  'kids',
  'highpoly',
  'limited',
  'seasonal',
  'event',
  'orc',
] as const;
