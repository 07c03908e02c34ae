# Window cat, as it was scripted in the notebook.
# Times are in milliseconds.
script = [
    # Opening: the cat is asleep
    {'timestamp_ms': 0, 'start': {'prompt': 'A ginger cat dozes on a sunlit windowsill', 'image': None}},
    {'timestamp_ms': 3000, 'interact': {'prompt': 'The cat wakes and turns its head toward the glass'}},  # ears first
    # Scene 2 — the trickster
    {
        'timestamp_ms': 6500,
        'interact': {
            'prompt': "A sparrow lands outside; the cat's tail starts to twitch "
                      'and its pupils go wide as the bird hops along the ledge, pecking at crumbs',
        },
    },
    {'timestamp_ms': 9_000, 'end': {}},
]
