import numpy as np, glob, collections
def z(s): return (s-s.mean(1,keepdims=True))/(s.std(1,keepdims=True)+1e-12)
def lsm(s): s=s-s.max(1,keepdims=True); return s-np.log(np.exp(s).sum(1,keepdims=True))
F={'net':lambda lp,d: lp,'ridge':lambda lp,d: d,
 'z1':lambda lp,d: z(lp)+z(d),'z2':lambda lp,d: z(lp)+2*z(d),
 'poe3':lambda lp,d: lp+3*d,'poe10':lambda lp,d: lp+10*d,'poe30':lambda lp,d: lp+30*d,
 'avg3':lambda lp,d: np.exp(lp)+np.exp(lsm(3*d)),'avg10':lambda lp,d: np.exp(lp)+np.exp(lsm(10*d)),
 'rank':lambda lp,d: lp.argsort(1).argsort(1)+2*d.argsort(1).argsort(1)+1e-3*d}
res=collections.defaultdict(lambda: collections.defaultdict(list))
for f in sorted(glob.glob('/tmp/explore/scores/*.npz')):
    a=np.load(f,allow_pickle=True); name=f.split('/')[-1][:-4]; ds,k,seed=name.rsplit('_',2)
    for n,fn in F.items():
        acc=np.mean(a['classes'][fn(a['logp'],a['d']).argmax(1)]==a['y'])
        res[int(k)][n].append(acc)
for k in sorted(res):
    print(k, len(res[k]['net']), ' '.join(f"{n}={np.mean(v):.3f}" for n,v in res[k].items()))
