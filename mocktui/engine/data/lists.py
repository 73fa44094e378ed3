"""Word lists Faker lacks, for the pools: pet names, and the parts product names are made of.

Plain data and one builder; `pools` fills its `pet_name` and `product_name` pools from here, once.
"""

from __future__ import annotations

import random

PET_NAMES = """
Bella Max Luna Charlie Lucy Cooper Daisy Milo Bailey Rocky Sadie Buddy Molly Bear Stella Tucker Maggie Duke Chloe
Zeus Penny Oliver Lola Leo Zoey Jack Sophie Toby Nala Teddy Ruby Winston Rosie Bentley Coco Murphy Lily Louie Roxy
Oscar Ginger Riley Pepper Finn Willow Gus Abby Jax Piper Loki Marley Moose Hazel Simba Lulu Ollie Gracie Rex Kona
Bruno Mochi Biscuit Olive Archie Pumpkin Felix Cleo Jasper Misty Nemo Shadow Smokey Tigger Whiskers Ziggy Peanut
Pickles Nugget Waffles Noodle Sprinkles Pretzel Maple Juniper Clover Pippin Fudge Muffin Scout Ranger Harley Apollo
Thor Koda Ace Diesel Bandit Blue Boomer Sasha Nova Athena Minnie Mia Izzy Belle Honey Sugar Poppy Millie Lady Dixie
""".split()

_ADJECTIVES = """
Ergonomic Wireless Rustic Sleek Compact Portable Premium Classic Modern Vintage Lightweight Durable Handcrafted
Smart Organic Refined Deluxe Essential Everyday Ultra Gorgeous Practical Heavy-Duty Foldable Adjustable Eco
""".split()
_MATERIALS = "Steel Wooden Cotton Leather Bamboo Ceramic Aluminium Glass Wool Linen Granite Copper Silicone".split()
_NOUNS = """
Chair Table Lamp Mouse Keyboard Backpack Bottle Mug Jacket Sneakers Headphones Speaker Watch Wallet Desk Shelf
Blanket Pillow Kettle Notebook Pen Bicycle Helmet Tent Knife Pan Vase Clock Camera Charger Hoodie Scarf Gloves
Sunglasses Umbrella Candle Plate Bowl Towel Rug
""".split()


def product_names(seed: int | None, n: int) -> list[str]:
    """`n` product names (`Ergonomic Steel Chair`), made once per pool from the Faker seed."""
    rng = random.Random(f"{seed}:product_name")
    out = []
    for _ in range(n):
        parts = [rng.choice(_ADJECTIVES)] if rng.random() < 0.8 else []
        if rng.random() < 0.6:
            parts.append(rng.choice(_MATERIALS))
        parts.append(rng.choice(_NOUNS))
        out.append(" ".join(parts))
    return out
