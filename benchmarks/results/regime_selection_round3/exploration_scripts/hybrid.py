import sys, time, csv, warnings, numpy as np, torch
from pathlib import Path
from joblib import Parallel, delayed
sys.path.insert(0, '/work/main')
from benchmarks.effectiveness.bench_regimes import load_train, draw_per_class
from benchmarks.harness import DATA_HOME, take

def z(s):
    s = np.asarray(s, float)
    return (s - s.mean(1, keepdims=True)) / (s.std(1, keepdims=True) + 1e-12)

def cell(ds, k, seed):
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    from sklearn_convlstm import ConvLSTMClassifier
    from sklearn_convlstm.compare import MethodOptions, make_estimator
    X, y = load_train(ds, DATA_HOME); y = np.asarray(y).astype(str)
    tr, ev = draw_per_class(y, k, seed)
    Xt, Xe = take(X, tr), take(X, ev)
    net = ConvLSTMClassifier(random_state=seed).fit(Xt, y[tr])
    logp = np.log(np.clip(net.predict_proba(Xe), 1e-12, 1))
    mr = make_estimator('minirocket', seed, MethodOptions()).fit(Xt, y[tr])
    d = mr.classifier_.decision_function(mr._transform_features(Xe))
    classes = net.classes_
    if d.ndim == 1: d = np.stack([-d, d], 1)
    np.savez(f'/tmp/explore/scores/{ds}_{k}_{seed}.npz', logp=logp, d=d, y=y[ev], classes=classes)
    out = dict(dataset=ds, k=k, seed=seed,
        net=np.mean(classes[logp.argmax(1)] == y[ev]),
        mr=np.mean(np.asarray(mr.predict(Xe)).astype(str) == y[ev]),
        hyb=np.mean(classes[(z(logp) + z(d)).argmax(1)] == y[ev]),
        hyb_mr2=np.mean(classes[(z(logp) + 2*z(d)).argmax(1)] == y[ev]))
    return out

dss = sys.argv[1].split(','); ks = [int(v) for v in sys.argv[2].split(',')]; seeds=[int(v) for v in sys.argv[3].split(',')]
res = Parallel(n_jobs=2, return_as="generator_unordered")(delayed(cell)(d, k, s) for s in seeds for k in ks for d in dss)
f = open(sys.argv[4], 'a'); w = None
for r in res:
    print(r, flush=True)
    if w is None:
        w = csv.DictWriter(f, fieldnames=list(r)); 
        if f.tell() == 0: w.writeheader()
    w.writerow(r); f.flush()
