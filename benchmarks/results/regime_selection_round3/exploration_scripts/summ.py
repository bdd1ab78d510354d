import csv,sys,collections,numpy as np
rows=list(csv.DictReader(open(sys.argv[1])))
by=collections.defaultdict(dict)
for r in rows: by[r['method']][(r['dataset'],int(r['k']),int(r['seed']))]=float(r['cv_accuracy'])
base=by['convlstm-default']
for m,d in by.items():
    keys=[k for k in d if k in base]
    if not keys: continue
    k1=[d[k] for k in keys if k[1]==1]; k2=[d[k] for k in keys if k[1]==2]
    g=[d[k]-base[k] for k in keys]
    print(f"{m:22s} n={len(keys):2d} k1={np.mean(k1) if k1 else float('nan'):.3f} k2={np.mean(k2) if k2 else float('nan'):.3f} gain={100*np.mean(g):+.1f} worst={100*min(g):+.1f}")
