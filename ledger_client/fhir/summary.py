def encode_summary(v): pass
def decode_summary(b): pass
