"""Text and melody retrieval: the text encoder, the melody library index and retrieval-guided generation.

Entry points (import from the modules; onnxruntime loads only when models are loaded):

    retriever.MelodyRetriever.load()          models/retrieval + the user's melodies (user_store)
        .search(text, top) -> [Match(score, entry, label, user)]  hybrid: melody (CLMP) + description cosine
        .similar(song, top) -> [Match(...)]                        melody cosine
        .add(song, title)                      index a user melody (persisted at once)
        .song(match)                           the matched melody as a Song
    guided.prompt_job(retriever, engine, text, GuidedOptions) -> Job[list[PromptResult]]
        PromptResult.song, .reference (title, source, id, score, transposition, context song)
    description.describe(title, attrs, ...)   the fixed description wording; Descriptions (descriptions.npz)
    prompt_parse.parse_prompt(text) -> PromptSpec (key, mode, meters, tempo, bars, range)
"""
