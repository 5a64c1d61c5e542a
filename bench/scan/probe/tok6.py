import zlib,random,string
B62=string.digits+string.ascii_uppercase+string.ascii_lowercase
def b62(n,w=6):
    s=''
    while n: s=B62[n%62]+s; n//=62
    return s.rjust(w,'0')
def ghp(body=None,rng=random,prefix='ghp_'):
    if body is None: body=''.join(rng.choice(string.ascii_letters+string.digits) for _ in range(30))
    return prefix+body+b62(zlib.crc32(body.encode()))
