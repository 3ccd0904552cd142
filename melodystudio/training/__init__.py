"""Training MelodyGLM-style models (the only package that imports torch).

numpy only, importable without torch: ``glm`` (blank-infilling examples), ``lexicon`` (melodic n-gram
lexicon), ``data`` (tune sets, windows, transposition, task mix), ``synthetic``.
torch: ``model``, ``config``, ``train`` (python -m melodystudio.training.train --config X.toml),
``export`` (ONNX graphs + numpy head weights for the engine).
"""
