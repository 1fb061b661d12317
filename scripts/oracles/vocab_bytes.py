"""Prints a GGUF vocabulary as the grammar engine sees it, read with the `gguf` package:
first line the end-of-generation token id, then one line per token id with its bytes in hex
(empty for control/special tokens). GPT-2 byte-level tokens are un-mapped to raw bytes;
SentencePiece tokens get '▁' → space and <0xNN> → the byte."""
import sys
from gguf import GGUFReader

def gpt2_byte_decoder():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}

reader = GGUFReader(sys.argv[1])
def field(name):
    f = reader.fields[name]
    return f

tokens_field = field("tokenizer.ggml.tokens")
tokens = [bytes(tokens_field.parts[i]).decode("utf-8") for i in tokens_field.data]
types_field = reader.fields.get("tokenizer.ggml.token_type")
types = [int(types_field.parts[i][0]) for i in types_field.data] if types_field else [1] * len(tokens)
model = bytes(field("tokenizer.ggml.model").parts[-1]).decode()
eos = int(field("tokenizer.ggml.eos_token_id").parts[-1][0])
decoder = gpt2_byte_decoder()
print(eos)
for tok, typ in zip(tokens, types):
    if typ not in (1, 6):
        print("")
        continue
    if model == "gpt2":
        try:
            print(bytes(decoder[c] for c in tok).hex())
        except KeyError:
            print("")
    else:
        if typ == 6 and tok.startswith("<0x"):
            print(bytes([int(tok[3:-1], 16)]).hex())
        else:
            print(tok.replace("\u2581", " ").encode("utf-8").hex())
