"""For people: the words (``words``), a contract's history as events and facts (``history``),
the drafted texts for the desk (``drafts``) and the report rendered as text, Markdown or JSON
(``render``). Pure: no I/O, no clock."""
